import { describe, expect, test } from 'vitest'
import { EnvError, parseEnv } from '#app/utils/env.server.ts'
import { parseTrustProxy } from '#app/utils/trust-proxy.ts'

function problems(source: Record<string, string>) {
	try {
		parseEnv(source)
	} catch (error) {
		if (error instanceof EnvError) return error.problems
		throw error
	}
	throw new Error('expected the configuration to be rejected')
}

describe('environment validation', () => {
	test('an empty environment is a valid embedded setup', () => {
		const env = parseEnv({})
		expect(env).toMatchObject({ PORT: 3000, DATA_DIR: '.data', NODE_ENV: 'development', MIGRATE_ON_START: 'true' })
		expect(env.DATABASE_URL).toBeUndefined()
	})

	test('a Stripe key needs its webhook secret; neither value is echoed', () => {
		expect(problems({ STRIPE_SECRET_KEY: 'sk_test_abc123' })).toEqual([
			'STRIPE_WEBHOOK_SECRET must be set when STRIPE_SECRET_KEY is (the whsec_… secret of the /webhooks/stripe endpoint)',
			'APP_URL must be set when STRIPE_SECRET_KEY is (Stripe Checkout sends customers back to it)',
		])
		expect(problems({ STRIPE_SECRET_KEY: 'pk_live_public', STRIPE_WEBHOOK_SECRET: 'whsec_x' })).toEqual([
			'STRIPE_SECRET_KEY must be a Stripe secret key (sk_live_…, sk_test_… or a restricted rk_… key)',
		])
		expect(parseEnv({ STRIPE_SECRET_KEY: 'sk_test_abc123', STRIPE_WEBHOOK_SECRET: 'whsec_abc', APP_URL: 'https://lorica.example' }).STRIPE_AUTOMATIC_TAX).toBe('true')
		expect(problems({ SELLER_VAT_ID: 'not a vat id' })).toEqual(['SELLER_VAT_ID must be a VAT identification number such as DE123456789 (got "not a vat id")'])
	})

	test('PROCESS_ROLES lists known roles; splitting them needs PostgreSQL', () => {
		const pg = { DATABASE_URL: 'postgresql://lorica@db.internal:5432/lorica' }
		expect(parseEnv({}).PROCESS_ROLES).toEqual(['web', 'worker', 'scheduler'])
		expect(parseEnv({ ...pg, PROCESS_ROLES: 'web' }).PROCESS_ROLES).toEqual(['web'])
		expect(parseEnv({ ...pg, APP_URL: 'https://lorica.example', PROCESS_ROLES: ' worker , scheduler,worker' }).PROCESS_ROLES).toEqual(['worker', 'scheduler'])
		expect(problems({ ...pg, PROCESS_ROLES: 'worker' })).toEqual([
			'APP_URL must be set when PROCESS_ROLES has no web role (workers write links into e-mails and have no address of their own)',
		])
		expect(problems({ ...pg, PROCESS_ROLES: 'web,cron' })).toEqual(['PROCESS_ROLES must be a comma-separated list of web, worker, scheduler; unknown: cron (got "web,cron")'])
		expect(problems({ PROCESS_ROLES: 'web' })).toEqual([
			'PROCESS_ROLES must include worker and scheduler on the embedded database (only one process can open it); set DATABASE_URL to split web, worker and scheduler',
		])
	})

	test('schedules take a cron expression or "off", and an IANA time zone', () => {
		const env = parseEnv({ SCHEDULE_REFUNDS: '*/10 * * * *', SCHEDULE_REFUNDS_TZ: 'Europe/Berlin', SCHEDULE_COIN_EXPIRY: 'off' }) as unknown as Record<string, unknown>
		expect(env).toMatchObject({ SCHEDULE_REFUNDS: '*/10 * * * *', SCHEDULE_REFUNDS_TZ: 'Europe/Berlin', SCHEDULE_COIN_EXPIRY: 'off' })
		expect(problems({ SCHEDULE_REFUNDS: 'every 5 minutes', SCHEDULE_POLICY_NOTICES_TZ: 'Berlin' })).toEqual([
			'SCHEDULE_POLICY_NOTICES_TZ must be an IANA time zone such as UTC or Europe/Berlin (got "Berlin")',
			'SCHEDULE_REFUNDS must be a cron expression of 5 fields (minute hour day month weekday) or 6 with seconds first, e.g. "*/5 * * * *" (expression "every 5 minutes": expected 5 or 6 fields but got 3), or "off" (got "every 5 minutes")',
		])
		expect(problems({ JOB_SHUTDOWN_TIMEOUT_SECONDS: '0' })).toEqual(['JOB_SHUTDOWN_TIMEOUT_SECONDS must be a whole number of seconds between 1 and 600 (got "0")'])
	})

	test('empty strings count as unset', () => {
		expect(parseEnv({ PORT: '', DATABASE_URL: '' }).PORT).toBe(3000)
	})

	test.each(['-1', '0', '65536', '3.5', 'abc'])('PORT=%s is rejected with the allowed range', (port) => {
		expect(problems({ PORT: port })).toEqual([`PORT must be a whole number between 1 and 65535 (got "${port}")`])
	})

	test('a nonsense DATABASE_URL is rejected without echoing the value', () => {
		const [problem, ...rest] = problems({ DATABASE_URL: 'nonsense-with-secret' })
		expect(rest).toEqual([])
		expect(problem).toMatch(/^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/)
		expect(problem).not.toContain('secret')
	})

	test('a mysql URL is not a PostgreSQL URL', () => {
		expect(problems({ DATABASE_URL: 'mysql://root@localhost/db' })[0]).toMatch(/^DATABASE_URL must be a postgres/)
	})

	test('TRUST_PROXY trusts no proxy by default; loopback, hops or addresses only when set, and nothing vaguer', () => {
		expect(parseEnv({}).TRUST_PROXY).toBe('false')
		expect(parseTrustProxy(parseEnv({}).TRUST_PROXY)).toBe(false)
		expect(parseTrustProxy('loopback')).toEqual(['loopback'])
		expect(parseTrustProxy('1')).toBe(1)
		expect(parseTrustProxy('0')).toBe(false)
		expect(parseTrustProxy('10.0.0.0/8, 192.168.0.1, fd00::/8, loopback')).toEqual(['10.0.0.0/8', '192.168.0.1', 'fd00::/8', 'loopback'])
		expect(parseEnv({ TRUST_PROXY: '10.0.0.0/8, 192.168.0.1' }).TRUST_PROXY).toBe('10.0.0.0/8, 192.168.0.1')
		for (const vague of ['everyone', 'true', '*', '10.0.0.0/33', '10.0.0', '999', 'loopback,', 'abc::xyz'])
			expect(problems({ TRUST_PROXY: vague })[0], vague).toMatch(/^TRUST_PROXY must be false, loopback, a number of proxy hops/)
	})

	test('every bad variable is reported, one problem each', () => {
		expect(problems({ PORT: '-1', LOG_LEVEL: 'loud', NODE_ENV: 'staging' })).toEqual([
			'NODE_ENV must be one of development, production, test (got "staging")',
			'PORT must be a whole number between 1 and 65535 (got "-1")',
			'LOG_LEVEL must be one of debug, info, warn, error, silent (got "loud")',
		])
	})
})
