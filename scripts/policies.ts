import { exitWith, runCommand } from './lib/config.ts'
import { withConfiguredDatabase } from './lib/database.ts'
import { MIGRATIONS } from './lib/paths.ts'

// npm run policies:* — compare the files in policies/ with the published versions, and
// publish the new ones. A published version never changes; see app/policies/publish.server.ts.

const USAGE = `Usage: npm run policies:<command>
  policies:check     list every policy file as new, unchanged or refused; exit 1 if any is refused
  policies:publish   publish the new files (all or nothing), recorded in the audit log as the system`

const progress = (message: string) => process.stdout.write(`  ${message}\n`)

type Database = Parameters<Parameters<typeof withConfiguredDatabase>[0]>[0]

async function requireMigrated(database: Database) {
	const { migrationStatus } = await import('#app/db/migrations.server.ts')
	const { pending } = await migrationStatus(database, MIGRATIONS)
	if (pending.length) throw new Error(`${pending.length} migration(s) pending: run npm run db:migrate first`)
}

/** The latest version of each kind, when the data map changed under it. */
function outdatedByDataMap(plan: Array<{ kind: string; version: string; dataMapChanged: boolean }>) {
	const latest = new Map<string, (typeof plan)[number]>()
	for (const entry of plan) latest.set(entry.kind, entry)
	return [...latest.values()].filter((entry) => entry.dataMapChanged)
}

function nextVersion(version: string) {
	const [major = 0, minor = 0] = version.split('.').map(Number)
	return `${major}.${minor + 1}`
}

async function check() {
	const { describeRefusals, isRefused, planPublication } = await import('#app/policies/publish.server.ts')
	const plan = await withConfiguredDatabase(async (database) => {
		await requireMigrated(database)
		return planPublication(database.prisma)
	})
	const width = Math.max(0, ...plan.map((entry) => entry.file.length))
	for (const entry of plan) progress(`${entry.status.padEnd(12)} ${entry.file.padEnd(width)}  ${entry.reason}`)
	const refused = plan.filter(isRefused)
	const fresh = plan.filter((entry) => entry.status === 'new')
	process.stdout.write(`${plan.length} version(s): ${fresh.length} new, ${plan.length - fresh.length - refused.length} published, ${refused.length} refused.\n`)
	if (refused.length) exitWith(`${refused.length} published version(s) would change. ${describeRefusals(refused)}`)
	const outdated = outdatedByDataMap(plan)
	if (outdated.length)
		exitWith(
			outdated
				.map((entry) => `${entry.kind} ${entry.version} no longer matches the data map (policies/data-map.ts changed since it was published): add a new version such as policies/${entry.kind}/${nextVersion(entry.version)}.md`)
				.join(' '),
		)
	if (fresh.length) process.stdout.write('Publish the new ones with: npm run policies:publish\n')
}

async function publish() {
	const { publishPolicies } = await import('#app/policies/publish.server.ts')
	const { queuePolicyNotices } = await import('#app/policies/notices.server.ts')
	const { setDatabase } = await import('#app/db/db.server.ts')
	const { published, queued } = await withConfiguredDatabase(async (database) => {
		await requireMigrated(database)
		const published = await publishPolicies(database.prisma, null, progress)
		setDatabase(database)
		return { published, queued: await queuePolicyNotices() }
	})
	process.stdout.write(published.length ? `Published ${published.length} version(s).\n` : 'Nothing to publish: every policy file is already published.\n')
	if (queued) process.stdout.write(`${queued} customer notice(s) queued; the server's scheduler (or npm run jobs:policy-notices) sends them.\n`)
}

const commands: Record<string, () => Promise<void>> = { check, publish }

await runCommand(commands, USAGE)
