import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import type { TestProject } from 'vitest/node'
import { openPglite, openPostgres, type Database } from '#app/db/database.server.ts'
import { applyMigrations } from '#app/db/migrations.server.ts'
import { installQueues } from '#app/jobs/queue.server.ts'
import { queueSpec } from '#app/jobs/worker.server.ts'
import { publishPolicies } from '#app/policies/publish.server.ts'
import { JOBS } from '../../jobs/registry.ts'
import { MIGRATIONS } from '../../scripts/lib/paths.ts'
import { databaseUrl, dropDatabase, TEST_DB_PREFIX, uniqueName, withAdmin } from './template.ts'

// Migrates one template database per run; every test then gets a cheap copy of it
// (CREATE DATABASE … TEMPLATE on PostgreSQL, clone() of a per-worker instance on PGlite).
// docs/decisions/0005-test-database-isolation.md

declare module 'vitest' {
	export interface ProvidedContext {
		testDatabase: { kind: 'postgres'; baseUrl: string; template: string; prefix: string } | { kind: 'pglite'; dump: string }
	}
}

/**
 * Migrated, with the repository's policies published as on a real deployment (sign-up
 * needs them), and pg-boss's schema and queues installed, so a test that starts the queue
 * pays milliseconds, not seconds. The policies' audit events are dropped so that every
 * test's log starts at seq 1: the audit tests check the chain from its genesis.
 */
async function prepareTemplate(database: Database) {
	await applyMigrations(database, MIGRATIONS)
	await installQueues(database, JOBS.map(queueSpec))
	await publishPolicies(database.prisma, null)
	await database.withSql(async (sql) => {
		await sql.exec('ALTER TABLE "AuditEvent" DISABLE TRIGGER USER')
		await sql.exec('DELETE FROM "AuditEvent"')
		await sql.exec('ALTER TABLE "AuditEvent" ENABLE TRIGGER USER')
	})
}

export default async function setup(project: TestProject) {
	const baseUrl = process.env.DATABASE_URL
	if (baseUrl) {
		// Test databases carry this run's id, so the cleanup below never drops another run's.
		const run = uniqueName('')
		const template = `lorica_tpl_${run}`
		const prefix = `${TEST_DB_PREFIX}${run}_`
		await withAdmin(baseUrl, (client) => client.query(`CREATE DATABASE "${template}"`))
		const database = openPostgres(databaseUrl(baseUrl, template), { max: 1 })
		await prepareTemplate(database)
		await database.close()
		project.provide('testDatabase', { kind: 'postgres', baseUrl, template, prefix })
		return async () => {
			await withAdmin(baseUrl, async (client) => {
				const { rows } = await client.query<{ datname: string }>(
					`SELECT datname FROM pg_database WHERE starts_with(datname, $1) OR datname = $2`,
					[prefix, template],
				)
				for (const row of rows) await dropDatabase(baseUrl, row.datname)
			})
		}
	}

	const pglite = new PGlite()
	const database = openPglite(pglite)
	await prepareTemplate(database)
	const dump = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-test-')), 'template.tar.gz')
	fs.writeFileSync(dump, Buffer.from(await (await pglite.dumpDataDir('gzip')).arrayBuffer()))
	await database.close()
	project.provide('testDatabase', { kind: 'pglite', dump })
	return () => fs.rmSync(path.dirname(dump), { recursive: true, force: true })
}
