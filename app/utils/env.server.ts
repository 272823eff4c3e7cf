import { z } from 'zod'
import { cronProblem, SCHEDULE_NAMES, scheduleVariable, timezoneProblem } from '#app/jobs/schedules.ts'
import { parseTrustProxy } from './trust-proxy.ts'

const postgresUrl = z
	.string()
	.refine((value) => {
		try {
			const url = new URL(value)
			return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== ''
		} catch {
			return false
		}
	}, 'must be a postgres:// or postgresql:// URL with a host, e.g. postgresql://user@127.0.0.1:5432/lorica')

export const PROCESS_ROLES = ['web', 'worker', 'scheduler'] as const
export type ProcessRole = (typeof PROCESS_ROLES)[number]

const roles = z
	.string()
	.transform((value, context) => {
		const list = value.split(',').map((role) => role.trim()).filter(Boolean)
		const unknown = list.filter((role) => !(PROCESS_ROLES as readonly string[]).includes(role))
		if (!list.length || unknown.length) {
			context.addIssue({ code: 'custom', message: `must be a comma-separated list of ${PROCESS_ROLES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}` })
			return z.NEVER
		}
		return [...new Set(list)] as ProcessRole[]
	})

const cron = z.string().transform((value, context) => {
	if (value === 'off') return value
	const problem = cronProblem(value)
	if (problem) context.addIssue({ code: 'custom', message: `${problem}, or "off"` })
	return value
})

const timezone = z.string().refine((value) => timezoneProblem(value) === null, 'must be an IANA time zone such as UTC or Europe/Berlin')

/** SCHEDULE_<JOB> (cron expression or "off") and SCHEDULE_<JOB>_TZ for every scheduled job. */
const scheduleShape = Object.fromEntries(
	SCHEDULE_NAMES.flatMap((name) => [
		[scheduleVariable(name), cron.optional()],
		[`${scheduleVariable(name)}_TZ`, timezone.optional()],
	]),
) as Record<`SCHEDULE_${string}`, z.ZodOptional<typeof cron> | z.ZodOptional<typeof timezone>>

const schema = z.object({
	...scheduleShape,
	/** Which parts this process runs; the embedded database needs all of them in one process. */
	PROCESS_ROLES: roles.default(['web', 'worker', 'scheduler']),
	/** How long a stopping worker lets running jobs finish before leaving them to be retried. */
	JOB_SHUTDOWN_TIMEOUT_SECONDS: z.coerce
		.number({ error: 'must be a whole number of seconds between 1 and 600' })
		.int('must be a whole number of seconds between 1 and 600')
		.min(1, 'must be a whole number of seconds between 1 and 600')
		.max(600, 'must be a whole number of seconds between 1 and 600')
		.default(20),
	NODE_ENV: z.enum(['development', 'production', 'test'], {
		error: 'must be one of development, production, test',
	}).default('development'),
	PORT: z.coerce
		.number({ error: 'must be a whole number between 1 and 65535' })
		.int('must be a whole number between 1 and 65535')
		.min(1, 'must be a whole number between 1 and 65535')
		.max(65535, 'must be a whole number between 1 and 65535')
		.default(3000),
	/** Loopback by default: the demo (and its mail outbox) is for this machine until configured otherwise. */
	HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
	DATABASE_URL: postgresUrl.optional(),
	DATA_DIR: z.string().min(1, 'must not be empty').default('.data'),
	LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent'], {
		error: 'must be one of debug, info, warn, error, silent',
	}).default('info'),
	MIGRATE_ON_START: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
	SEED_DEMO: z.enum(['auto', 'true', 'false'], { error: 'must be auto, true or false' }).default('auto'),
	/** Public origin of the site, used in e-mailed links and the origin check. */
	APP_URL: z
		.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://lorica.example' })
		.transform((value) => new URL(value).origin)
		.optional(),
	/** Comma-separated; the first signs new cookies, all are accepted (rotation). */
	SESSION_SECRET: z
		.string()
		.refine((value) => value.split(',').every((secret) => secret.trim().length >= 32), 'must be one or more comma-separated secrets of at least 32 characters')
		.optional(),
	SMTP_URL: z
		.string()
		.refine((value) => /^smtps?:\/\/[^/]+/.test(value), 'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example:587')
		.optional(),
	/** Statutory retention of payment and tax records (years after the end of the tax year). */
	PAYMENT_RECORDS_RETENTION_YEARS: z.coerce
		.number({ error: 'must be a whole number of years between 1 and 30' })
		.int('must be a whole number of years between 1 and 30')
		.min(1, 'must be a whole number of years between 1 and 30')
		.max(30, 'must be a whole number of years between 1 and 30')
		.default(5),
	/** Express `trust proxy`: whose X-Forwarded-For is believed (app/utils/trust-proxy.ts). */
	TRUST_PROXY: z
		.string()
		.refine(
			(value) => parseTrustProxy(value) !== null,
			'must be false, loopback, a number of proxy hops (1 behind one load balancer, at most 32) or a comma-separated list of proxy addresses/subnets such as 10.0.0.0/8',
		)
		.default('false'),
	/** Without it, payments run in the clearly labelled local test-payment mode. */
	STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, 'must be a Stripe secret key (sk_live_…, sk_test_… or a restricted rk_… key)').optional(),
	STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9+/=_]+$/, 'must be a Stripe webhook signing secret (whsec_…)').optional(),
	/** Another Stripe-compatible endpoint (tests, stripe-mock); the default is api.stripe.com. */
	STRIPE_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:12111' }).optional(),
	/** Let Stripe Tax compute VAT on Checkout (prices are tax-inclusive). */
	STRIPE_AUTOMATIC_TAX: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
	SELLER_NAME: z.string().min(2, 'must be the legal name printed on invoices').default('Lorica Demo Ltd.'),
	/** Lines separated by "|", printed under the seller name on invoices. */
	SELLER_ADDRESS: z.string().min(5, 'must be the postal address printed on invoices, lines separated by |').default('1 Example Street|10115 Berlin|Germany'),
	SELLER_VAT_ID: z.string().regex(/^[A-Z]{2}[A-Za-z0-9+*.]{2,13}$/, 'must be a VAT identification number such as DE123456789').optional(),
	SELLER_EMAIL: z.email({ error: 'must be an e-mail address printed on invoices' }).default('billing@lorica.localhost'),
	MAIL_FROM: z.string().min(3, 'must be a sender such as "Lorica <no-reply@lorica.example>"').default('Lorica <no-reply@lorica.localhost>'),
})

export type Env = z.infer<typeof schema>

/** Variables whose values may hold credentials and are never echoed back. */
const SECRET_VARIABLES = new Set(['DATABASE_URL', 'SESSION_SECRET', 'SMTP_URL', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'])

export class EnvError extends Error {
	constructor(readonly problems: string[]) {
		super(`Invalid configuration: ${problems.join('; ')}`)
		this.name = 'EnvError'
	}
}

/** Reads and validates the environment; empty strings count as unset. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
	const input: Record<string, string> = {}
	for (const key of Object.keys(schema.shape)) {
		const value = source[key]
		if (value !== undefined && value !== '') input[key] = value
	}
	const result = schema.safeParse(input)
	if (result.success) {
		// Card payments without verified webhooks would never complete: refuse the half setup.
		const stripeProblems = result.data.STRIPE_SECRET_KEY
			? [
					...(result.data.STRIPE_WEBHOOK_SECRET ? [] : ['STRIPE_WEBHOOK_SECRET must be set when STRIPE_SECRET_KEY is (the whsec_… secret of the /webhooks/stripe endpoint)']),
					...(result.data.APP_URL ? [] : ['APP_URL must be set when STRIPE_SECRET_KEY is (Stripe Checkout sends customers back to it)']),
				]
			: []
		// One process owns the embedded database, so it must also work and schedule the jobs.
		const missingRoles = result.data.DATABASE_URL ? [] : (['worker', 'scheduler'] as const).filter((role) => !result.data.PROCESS_ROLES.includes(role))
		const roleProblems: string[] = missingRoles.length
			? [`PROCESS_ROLES must include ${missingRoles.join(' and ')} on the embedded database (only one process can open it); set DATABASE_URL to split web, worker and scheduler`]
			: []
		// A worker writes e-mails with links but listens on no address of its own to take them from.
		if (!result.data.PROCESS_ROLES.includes('web') && !result.data.APP_URL)
			roleProblems.push('APP_URL must be set when PROCESS_ROLES has no web role (workers write links into e-mails and have no address of their own)')
		if (stripeProblems.length || roleProblems.length) throw new EnvError([...stripeProblems, ...roleProblems])
		return result.data
	}
	const problems = result.error.issues.map((issue) => {
		const key = String(issue.path[0] ?? 'environment')
		const shown = SECRET_VARIABLES.has(key) || input[key] === undefined ? '' : ` (got ${JSON.stringify(input[key])})`
		return `${key} ${issue.message}${shown}`
	})
	throw new EnvError(problems)
}

let cached: Env | undefined

export function getEnv(): Env {
	cached ??= parseEnv()
	return cached
}

/** Tests change process.env between cases; the next getEnv() reads it again. */
export function resetEnvCache() {
	cached = undefined
}
