import { describe as plainDescribe, expect as plainExpect, test as plainTest } from 'vitest'
import { base32Encode, totpCode, verifyTotp } from '#app/auth/totp.server.ts'
import * as adminHome from '#app/routes/admin._index.tsx'
import * as adminUsers from '#app/routes/admin.users.tsx'
import * as enrol from '#app/routes/account.two-factor.tsx'
import * as check from '#app/routes/login.two-factor.tsx'
import * as reverify from '#app/routes/reverify.tsx'
import { describe, expect, test } from '../db.ts'
import { createUser, currentTotp, get, post, signIn } from '../support/auth.ts'
import { callRoute, routeArgs } from '../support/route.ts'

plainDescribe('TOTP (RFC 6238)', () => {
	const secret = base32Encode(Buffer.from('12345678901234567890'))
	plainTest('matches the RFC test vectors (last six digits)', () => {
		plainExpect(secret).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')
		plainExpect(totpCode(secret, Math.floor(59 / 30))).toBe('287082')
		plainExpect(totpCode(secret, Math.floor(1111111109 / 30))).toBe('081804')
		plainExpect(totpCode(secret, Math.floor(2000000000 / 30))).toBe('279037')
	})
	plainTest('accepts one step of clock drift, refuses replays and malformed codes', () => {
		const at = 1_700_000_000_000
		const step = Math.floor(at / 30_000)
		plainExpect(verifyTotp(secret, totpCode(secret, step - 1), null, at)).toBe(step - 1)
		plainExpect(verifyTotp(secret, totpCode(secret, step + 2), null, at)).toBeNull()
		plainExpect(verifyTotp(secret, totpCode(secret, step), step, at)).toBeNull()
		plainExpect(verifyTotp(secret, '12345', null, at)).toBeNull()
	})
})

describe('staff two-factor authentication', () => {
	test('a DPO cannot open the back office before enrolling TOTP, and can right after', async ({ db }) => {
		const dpo = await createUser(db, 'dpo', { totp: false })
		const { cookie } = await signIn(db, dpo, { secondFactor: false })
		const blocked = await callRoute(adminHome.loader, routeArgs(get('/admin', cookie)))
		expect(blocked.location).toBe('/account/two-factor?redirectTo=%2Fadmin')

		const page = await callRoute(enrol.loader, routeArgs(get('/account/two-factor?redirectTo=%2Fadmin', cookie)))
		const { secret, sealed, qrSvg, enabled } = page.data as { secret: string; sealed: string; qrSvg: string; enabled: boolean }
		expect(enabled).toBe(false)
		expect(qrSvg).toContain('<svg')
		const wrong = await callRoute(enrol.action, routeArgs(post('/account/two-factor', { code: '000000', sealedSecret: sealed, redirectTo: '/admin' }, cookie)))
		expect(wrong.status).toBe(400)
		const code = totpCode(secret, Math.floor(Date.now() / 30_000))
		const done = await callRoute(enrol.action, routeArgs(post('/account/two-factor', { code, sealedSecret: sealed, redirectTo: '/admin' }, cookie)))
		expect(done.location).toBe('/admin')

		expect((await callRoute(adminHome.loader, routeArgs(get('/admin', cookie)))).status).toBe(200)
		const stored = await db.prisma.user.findUniqueOrThrow({ where: { id: dpo.id }, select: { totpSecret: true, totpEnabledAt: true } })
		expect(stored.totpEnabledAt).toBeInstanceOf(Date)
		expect(stored.totpSecret).not.toContain(secret)
		const events = await db.prisma.auditEvent.findMany({ where: { actorId: dpo.id }, select: { action: true } })
		expect(events.map((event) => event.action)).toContain('auth.totp_enrolled')
	})

	test('an enrolled DPO passes the TOTP step on every new session; a replayed code is refused', async ({ db }) => {
		const dpo = await createUser(db, 'dpo')
		const first = await signIn(db, dpo, { secondFactor: false })
		const blocked = await callRoute(adminHome.loader, routeArgs(get('/admin', first.cookie)))
		expect(blocked.location).toBe('/login/two-factor?redirectTo=%2Fadmin')
		const code = currentTotp(dpo)
		const passed = await callRoute(check.action, routeArgs(post('/login/two-factor', { code, redirectTo: '/admin' }, first.cookie)))
		expect(passed.location).toBe('/admin')
		expect((await callRoute(adminHome.loader, routeArgs(get('/admin', first.cookie)))).status).toBe(200)

		const second = await signIn(db, dpo, { secondFactor: false })
		const replay = await callRoute(check.action, routeArgs(post('/login/two-factor', { code, redirectTo: '/admin' }, second.cookie)))
		expect(replay.status).toBe(400)
		expect((await callRoute(adminHome.loader, routeArgs(get('/admin', second.cookie)))).status).toBe(302)
	})

	test('changing a role needs a fresh re-verification, signs the person out everywhere and is audited', async ({ db }) => {
		const admin = await createUser(db, 'admin')
		const customer = await createUser(db, 'customer')
		const customerSession = await signIn(db, customer)
		const { cookie } = await signIn(db, admin)

		const stale = await callRoute(adminUsers.action, routeArgs(post('/admin/users', { intent: 'change-role', userId: customer.id, role: 'support' }, cookie)))
		expect(stale.location).toBe('/reverify?redirectTo=%2Fadmin%2Fusers')
		expect((await db.prisma.user.findUniqueOrThrow({ where: { id: customer.id }, select: { role: true } })).role).toBe('customer')

		const confirmed = await callRoute(reverify.action, routeArgs(post('/reverify', { code: currentTotp(admin), redirectTo: '/admin/users' }, cookie)))
		expect(confirmed.location).toBe('/admin/users')
		const changed = await callRoute(adminUsers.action, routeArgs(post('/admin/users', { intent: 'change-role', userId: customer.id, role: 'support' }, cookie)))
		expect(changed.status).toBe(200)
		expect((changed.data as { message: string }).message).toBe('Role changed to support; 1 session(s) signed out.')

		const revoked = await db.prisma.session.findUniqueOrThrow({ where: { id: customerSession.sessionId }, select: { revokedAt: true, revokedReason: true } })
		expect(revoked).toMatchObject({ revokedReason: 'role changed' })
		const event = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'user.role_changed' }, select: { actorId: true, targetId: true, detail: true } })
		expect(event).toEqual({ actorId: admin.id, targetId: customer.id, detail: { from: 'customer', to: 'support', sessionsRevoked: 1 } })

		const own = await callRoute(adminUsers.action, routeArgs(post('/admin/users', { intent: 'change-role', userId: admin.id, role: 'customer' }, cookie)))
		expect(own.status).toBe(400)
		const invalid = await callRoute(adminUsers.action, routeArgs(post('/admin/users', { intent: 'change-role', userId: customer.id, role: 'root' }, cookie)))
		expect(invalid.status).toBe(400)
		expect(JSON.stringify(invalid.data)).toContain('Choose one of the four roles')
	})

	test('an admin resets a lost authenticator: the person must enrol again and is signed out', async ({ db }) => {
		const admin = await createUser(db, 'admin')
		const dpo = await createUser(db, 'dpo')
		const dpoSession = await signIn(db, dpo)
		const { cookie } = await signIn(db, admin, { reverified: true })
		const reset = await callRoute(adminUsers.action, routeArgs(post('/admin/users', { intent: 'reset-two-factor', userId: dpo.id }, cookie)))
		expect((reset.data as { message: string }).message).toBe('Two-factor authentication reset; 1 session(s) signed out.')
		const after = await db.prisma.user.findUniqueOrThrow({ where: { id: dpo.id }, select: { totpSecret: true, totpEnabledAt: true } })
		expect(after).toEqual({ totpSecret: null, totpEnabledAt: null })
		expect((await callRoute(adminHome.loader, routeArgs(get('/admin', dpoSession.cookie)))).status).toBe(302)
		const fresh = await signIn(db, dpo)
		expect((await callRoute(adminHome.loader, routeArgs(get('/admin', fresh.cookie)))).location).toBe('/account/two-factor?redirectTo=%2Fadmin')
		const again = await callRoute(adminUsers.action, routeArgs(post('/admin/users', { intent: 'reset-two-factor', userId: dpo.id }, cookie)))
		expect(again.status).toBe(400)
		expect(await db.prisma.auditEvent.count({ where: { action: 'user.totp_reset', targetId: dpo.id } })).toBe(1)
	})

	test('support and DPO cannot change roles at all', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		for (const role of ['support', 'dpo'] as const) {
			const staff = await createUser(db, role)
			const { cookie } = await signIn(db, staff, { reverified: true })
			const result = await callRoute(adminUsers.action, routeArgs(post('/admin/users', { intent: 'change-role', userId: customer.id, role: 'admin' }, cookie)))
			expect(result.status, role).toBe(403)
		}
		expect((await db.prisma.user.findUniqueOrThrow({ where: { id: customer.id }, select: { role: true } })).role).toBe('customer')
	})
})
