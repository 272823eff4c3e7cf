import * as consent from '#app/routes/consent.tsx'
import { LIMITS } from '#app/utils/rate-limit.server.ts'
import { describe, expect, test } from '../db.ts'
import { post } from '../support/auth.ts'
import { callRoute, routeArgs, testContext } from '../support/route.ts'

// Finding 8: anonymous cookie choices are limited per address, with nothing written once
// the limit is reached (each "accept all" writes two rows).

const acceptAll = (clientIp: string) =>
	callRoute(consent.action, routeArgs(post('/consent', { intent: 'accept_all', redirectTo: '/' }), {}, testContext({ clientIp })))

describe('POST /consent is rate limited per address', () => {
	test('past the limit: 429 with a clear message and Retry-After, no rows; another address is unaffected', async ({ db }) => {
		const limit = LIMITS.consentPerIp.limit
		// Until the first refusal; twice the limit stays conclusive across a window boundary.
		let accepted = 0
		let refused = await acceptAll('198.51.100.20')
		while (refused.status === 302 && accepted < 2 * limit) {
			accepted++
			refused = await acceptAll('198.51.100.20')
		}
		expect(refused.status).toBe(429)
		expect(accepted).toBeGreaterThanOrEqual(limit)
		expect(await db.prisma.consentEvent.count()).toBe(accepted * 2)
		expect(refused.data).toEqual({ error: expect.stringMatching(/^Too many cookie choices from your address\. Please wait \d+ minutes? and try again\.$/) })
		const retryAfter = Number(refused.headers.get('Retry-After'))
		expect(retryAfter).toBeGreaterThan(0)
		expect(retryAfter).toBeLessThanOrEqual(LIMITS.consentPerIp.windowMs / 1000)
		expect(refused.headers.get('Set-Cookie')).toBeNull()
		expect((await acceptAll('198.51.100.20')).status).toBe(429)
		expect(await db.prisma.consentEvent.count()).toBe(accepted * 2)

		expect((await acceptAll('198.51.100.21')).status).toBe(302)
		expect(await db.prisma.consentEvent.count()).toBe(accepted * 2 + 2)
	})
})
