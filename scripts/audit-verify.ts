import { exitWith, loadConfigOrExit } from './lib/config.ts'

// npm run audit:verify — recomputes the audit hash chain and names the first break.
// Exit 0 when intact, 1 when broken (so a scheduled run can alert on it).

const env = loadConfigOrExit()
const { explainDatabaseError, openConfiguredDatabase } = await import('#app/db/database.server.ts')
const { verifyAuditChain } = await import('#app/audit/audit.server.ts')

let database: ReturnType<typeof openConfiguredDatabase>['database'] | undefined
try {
	database = openConfiguredDatabase(env).database
	process.stdout.write(`Database: ${env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${env.DATA_DIR}/pglite`}\n`)
	const result = await verifyAuditChain(database.prisma, (checked) => process.stdout.write(`  ${checked} events verified…\n`))
	await database.close()
	if (result.ok) {
		process.stdout.write(`Audit chain intact: ${result.checked} events verified.\n`)
	} else {
		process.stdout.write(`Audit chain BROKEN at event ${result.firstBroken.seq}: ${result.firstBroken.reason}\n`)
		process.exitCode = 1
	}
} catch (error) {
	await database?.close().catch(() => {})
	exitWith(explainDatabaseError(error, env))
}
