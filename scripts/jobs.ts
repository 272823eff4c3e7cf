import { setDatabase } from '#app/db/db.server.ts'
import { runCoinExpiry, runRefunds } from '../jobs/payments.ts'
import { runPolicyNoticeJob } from '../jobs/policy-notices.ts'
import { exitWith } from './lib/config.ts'
import { withConfiguredDatabase } from './lib/database.ts'

// npm run jobs:<name> — run one scheduled job now, against the configured database.

const JOBS: Record<string, () => Promise<{ ok: true; result: unknown } | { ok: false; error: unknown }>> = {
	'policy-notices': runPolicyNoticeJob,
	refunds: runRefunds,
	'coin-expiry': runCoinExpiry,
}

const [name] = process.argv.slice(2)
const job = name ? JOBS[name] : undefined
if (!job) {
	process.stderr.write(`Usage: npm run jobs:<name>, one of: ${Object.keys(JOBS).join(', ')}\n`)
	process.exit(2)
}
try {
	const outcome = await withConfiguredDatabase(async (database) => {
		setDatabase(database)
		return job()
	})
	if (!outcome.ok) throw outcome.error
	process.stdout.write(`${name}: ${JSON.stringify(outcome.result)}\n`)
} catch (error) {
	exitWith(error)
}
