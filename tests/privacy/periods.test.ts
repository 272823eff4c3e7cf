import fs from 'node:fs'
import { CHALLENGE_TTL_MS } from '#app/auth/login.server.ts'
import { createSession, SESSION_TTL_MS } from '#app/auth/session.server.ts'
import { LOT_LIFETIME_MONTHS } from '#app/coins/ledger.server.ts'
import { recordConsent } from '#app/consent/consent.server.ts'
import { LINK_LIFETIME_MS } from '#app/files/signed-links.server.ts'
import { renderPolicySections } from '#app/policies/render.server.ts'
import { category, getDataMap } from '#app/privacy/data-map.server.ts'
import { describePeriod, periodSeconds } from '#app/privacy/periods.server.ts'
import * as home from '#app/routes/_index.tsx'
import { describe, expect, test } from '#tests/db.ts'
import { createUser } from '#tests/support/auth.ts'
import { TEST_ORIGIN } from '#tests/support/route.ts'

// Every period a policy or page states has one source, the data map: the cookie table,
// the cookies actually set, the link and code lifetimes and the coin term all read it.

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE

describe('periods from the data map', () => {
	test('the code lifetimes are the map’s periods', () => {
		expect(SESSION_TTL_MS).toBe(30 * DAY)
		expect(CHALLENGE_TTL_MS).toBe(15 * MINUTE)
		expect(LINK_LIFETIME_MS).toBe(15 * MINUTE)
		expect(LOT_LIFETIME_MONTHS).toBe(12)
		// 12 months of cookie lifetime are 365 days, as the consent cookie always had.
		expect(periodSeconds('consentCookie')).toBe(365 * 24 * 60 * 60)
	})

	test('the cookie table is rendered from the periods, and follows a change of one', () => {
		const map = getDataMap()
		const table = renderPolicySections('{{data-map:cookies}}', map)
		expect(table).toContain('| `__lorica_session` | mandatory | keeps you signed in | 30 days, or until you sign out |')
		expect(table).toContain('| `__lorica_login` | mandatory | links a sign-in code to the browser that asked for it | 15 minutes |')
		expect(table).toContain('| `__lorica_consent` | mandatory | an anonymous id under which your cookie choices are recorded | 12 months |')
		const shorter = renderPolicySections('{{data-map:cookies}}', { ...map, periods: { ...map.periods, sessionCookie: { amount: 14, unit: 'days' } } })
		expect(shorter).toContain('| keeps you signed in | 14 days, or until you sign out |')
	})

	test('the cookies set carry the lifetimes the cookie table states', async ({ db }) => {
		const user = await createUser(db, 'customer')
		const request = new Request(TEST_ORIGIN, { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/150.0' } })
		const { setCookie } = await db.prisma.$transaction((tx) => createSession(tx, user.id, request, { secondFactorAt: null }))
		expect(setCookie).toContain(`Max-Age=${periodSeconds('sessionCookie')}`)
		const consent = await recordConsent(request, {}, { choices: { analytics: false }, method: 'reject_all' })
		expect(consent.setCookie).toContain(`Max-Age=${periodSeconds('consentCookie')}`)
	})

	test('the published Terms and the home page state the periods of the map', () => {
		const terms = fs.readFileSync('policies/terms/1.0.md', 'utf8').replace(/\s+/g, ' ')
		expect(terms).toContain(`Purchased coins expire ${describePeriod('coinLifetime')} after purchase.`)
		const results = category('private_results').retention.duration!
		expect(terms).toContain(`Results you do not publish are deleted ${results.amount} ${results.unit} after they are produced.`)
		expect(home.loader()).toEqual({ imageRetention: '30 days', resultRetention: '6 months' })
	})
})
