import type { Database } from '#app/db/database.server.ts'
import { loadConfigOrExit } from './config.ts'

/** Opens the configured database for one command, says which it is, and always closes it. */
export async function withConfiguredDatabase<T>(fn: (database: Database) => Promise<T>) {
	const env = loadConfigOrExit()
	const { explainDatabaseError, openConfiguredDatabase } = await import('#app/db/database.server.ts')
	const { database } = openConfiguredDatabase(env)
	process.stdout.write(`Database: ${env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${env.DATA_DIR}/pglite`}\n`)
	try {
		return await fn(database)
	} catch (error) {
		throw explainDatabaseError(error, env)
	} finally {
		await database.close()
	}
}
