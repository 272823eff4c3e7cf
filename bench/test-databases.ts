import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { openPglite, openPostgres } from '#app/db/database.server.ts'
import { applyMigrations } from '#app/db/migrations.server.ts'
import { MIGRATIONS } from '../scripts/lib/paths.ts'
import { repeat, report } from './lib.ts'

// What a test pays for an isolated, migrated database (docs/decisions/0005). Baseline: a new
// PGlite instance, migrated — what each test would cost without templates.

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const PG_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'

export async function benchTestDatabases() {
	console.log('Test database isolation')
	const fresh = await repeat('new PGlite + migrations', RUNS, async () => {
		const database = openPglite(new PGlite())
		await applyMigrations(database, MIGRATIONS)
		await database.close()
	})

	const template = new PGlite()
	const templateDb = openPglite(template)
	await applyMigrations(templateDb, MIGRATIONS)
	const clone = await repeat('clone() of a migrated PGlite', RUNS, async () => {
		const copy = (await template.clone()) as PGlite
		await copy.query('SELECT 1')
		await copy.close()
	})
	const dump = await template.dumpDataDir('gzip')
	const load = await repeat('PGlite loadDataDir(dump)', RUNS, async () => {
		const copy = await PGlite.create({ loadDataDir: dump })
		await copy.close()
	})
	await templateDb.close()

	const rows = [
		{ label: 'clone() of a migrated PGlite', ms: clone },
		{ label: 'PGlite loadDataDir(dump)', ms: load },
	]
	const admin = new pg.Client({ connectionString: PG_URL })
	try {
		await admin.connect()
		const base = `lorica_bench_${process.pid}`
		await admin.query(`CREATE DATABASE "${base}_tpl"`)
		const tplUrl = new URL(PG_URL)
		tplUrl.pathname = `/${base}_tpl`
		const tpl = openPostgres(tplUrl.toString(), { max: 1 })
		await applyMigrations(tpl, MIGRATIONS)
		await tpl.close()
		let n = 0
		rows.push({
			label: 'PostgreSQL CREATE DATABASE … TEMPLATE',
			ms: await repeat('PostgreSQL CREATE DATABASE … TEMPLATE', RUNS, async () => {
				const name = `${base}_${n++}`
				await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${base}_tpl"`)
				await admin.query(`DROP DATABASE "${name}"`)
			}),
		})
		rows.push({
			label: 'PostgreSQL empty database + migrations',
			ms: await repeat('PostgreSQL empty database + migrations', RUNS, async () => {
				const name = `${base}_${n++}`
				await admin.query(`CREATE DATABASE "${name}"`)
				const url = new URL(PG_URL)
				url.pathname = `/${name}`
				const database = openPostgres(url.toString(), { max: 1 })
				await applyMigrations(database, MIGRATIONS)
				await database.close()
				await admin.query(`DROP DATABASE "${name}"`)
			}),
		})
		await admin.query(`DROP DATABASE "${base}_tpl"`)
	} catch (error) {
		console.log(`  (PostgreSQL rows skipped: ${error instanceof Error ? error.message : String(error)})`)
	} finally {
		await admin.end().catch(() => {})
	}
	report('Per-test database, median of runs', { label: 'new PGlite + migrations', ms: fresh }, rows)
}
