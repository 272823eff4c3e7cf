import { parseArgs } from 'node:util'
import { setDatabase } from '#app/db/db.server.ts'
import { runLogged } from '#app/jobs/run-logged.server.ts'
import { SCHEDULE_NAMES, type ScheduleName } from '#app/jobs/schedules.ts'
import { jobDefinition, runScheduledJob } from '../jobs/registry.ts'
import { exitWith } from './lib/config.ts'
import { withConfiguredDatabase } from './lib/database.ts'

// npm run jobs -- <name> [--dry-run] [--now <ISO date>]: runs one scheduled job once, in
// the foreground, against the configured database, as the queue would (same handler, same
// log line), with progress on stderr and a JSON summary on stdout.

const USAGE = `Usage: npm run jobs -- <name> [--dry-run] [--now <ISO date>]\nJobs: ${SCHEDULE_NAMES.join(', ')}`

function fail(message: string): never {
	process.stderr.write(`${message}\n${USAGE}\n`)
	process.exit(2)
}

let parsed
try {
	parsed = parseArgs({ allowPositionals: true, options: { 'dry-run': { type: 'boolean', default: false }, now: { type: 'string' } } })
} catch (error) {
	fail(error instanceof Error ? error.message : String(error))
}
const [name, ...extra] = parsed.positionals
if (!name) fail('Name the job to run.')
if (extra.length) fail(`One job at a time (got ${[name, ...extra].join(', ')}).`)
if (!(SCHEDULE_NAMES as readonly string[]).includes(name)) fail(`Unknown job "${name}".`)
const definition = jobDefinition(name as ScheduleName)!
let now = new Date()
if (parsed.values.now !== undefined) {
	if (!definition.timeBased) fail(`${name} has no time-based rules; --now does not apply to it.`)
	now = new Date(parsed.values.now)
	if (Number.isNaN(now.getTime())) fail(`--now must be an ISO date such as 2026-06-01 or 2026-06-01T03:00:00Z (got "${parsed.values.now}").`)
}
const dryRun = parsed.values['dry-run']

try {
	const outcome = await withConfiguredDatabase(async (database) => {
		setDatabase(database)
		process.stderr.write(`${name}: running${dryRun ? ' (dry run: nothing is written or sent)' : ''} as of ${now.toISOString()}\n`)
		return runLogged(name, () => runScheduledJob(name as ScheduleName, { now, dryRun, progress: (message) => process.stderr.write(`${name}: ${message}\n`) }), { dryRun, foreground: true })
	})
	if (!outcome.ok) throw outcome.error
	process.stdout.write(`${JSON.stringify({ job: name, dryRun, now: now.toISOString(), result: outcome.result })}\n`)
} catch (error) {
	exitWith(error)
}
