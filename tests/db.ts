import fs from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { inject, test as base } from 'vitest'
import { openPglite, openPostgres, type Database } from '#app/db/database.server.ts'
import { setDatabase } from '#app/db/db.server.ts'
import { stopQueue } from '#app/jobs/queue.server.ts'
import { createFromTemplate, databaseUrl, dropDatabase, uniqueName } from './setup/template.ts'

const WORKER_TEMPLATE = Symbol.for('lorica.test.pgliteTemplate')
type WorkerGlobal = { [WORKER_TEMPLATE]?: Promise<PGlite> }

/** Starting PGlite costs seconds; each worker loads the migrated dump once and clones it per test. */
function workerTemplate(dump: string) {
	const holder = globalThis as WorkerGlobal
	holder[WORKER_TEMPLATE] ??= PGlite.create({ loadDataDir: new Blob([fs.readFileSync(dump)]) })
	return holder[WORKER_TEMPLATE]
}

/** A migrated, empty database of its own; close() throws it away. */
export async function createTestDatabase(): Promise<Database> {
	const config = inject('testDatabase')
	if (config.kind === 'postgres') {
		const name = uniqueName(config.prefix)
		await createFromTemplate(config.baseUrl, name, config.template)
		const database = openPostgres(databaseUrl(config.baseUrl, name), { max: 5 })
		return {
			...database,
			async close() {
				await database.close()
				await dropDatabase(config.baseUrl, name)
			},
		}
	}
	const template = await workerTemplate(config.dump)
	return openPglite((await template.clone()) as PGlite)
}

/** `test` with a `db` fixture: an isolated database that is also the app's current one. */
export const test = base.extend<{ db: Database }>({
	// eslint-disable-next-line no-empty-pattern
	db: async ({}, use) => {
		const database = await createTestDatabase()
		setDatabase(database)
		try {
			await use(database)
		} finally {
			setDatabase(undefined)
			// A test that started the job queue on this database (drainJobs) stops it first.
			await stopQueue(database)
			await database.close()
		}
	},
})

export { describe, expect } from 'vitest'

/** A database with nothing in it, not even migrations (for migration tests). */
export async function createEmptyDatabase(): Promise<Database> {
	const config = inject('testDatabase')
	if (config.kind === 'postgres') {
		const name = uniqueName(config.prefix)
		await createFromTemplate(config.baseUrl, name, 'template0')
		const database = openPostgres(databaseUrl(config.baseUrl, name), { max: 2 })
		return {
			...database,
			async close() {
				await database.close()
				await dropDatabase(config.baseUrl, name)
			},
		}
	}
	return openPglite(new PGlite())
}
