import type { Database } from '#app/db/database.server.ts'

// Tiny timing helpers: every benchmark reports against a raw baseline measured in the same run.

export async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
	const started = process.hrtime.bigint()
	const result = await fn()
	return { ms: Number(process.hrtime.bigint() - started) / 1e6, result }
}

export function median(values: number[]) {
	const sorted = [...values].sort((a, b) => a - b)
	const middle = Math.floor(sorted.length / 2)
	return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export async function repeat(label: string, runs: number, fn: () => Promise<unknown>) {
	const samples: number[] = []
	for (let run = 1; run <= runs; run++) {
		samples.push((await time(fn)).ms)
		process.stdout.write(`\r  ${label}: run ${run}/${runs}`)
	}
	process.stdout.write('\n')
	return median(samples)
}

export function report(title: string, baseline: { label: string; ms: number }, rows: { label: string; ms: number }[]) {
	console.log(`\n${title}`)
	const width = Math.max(baseline.label.length, ...rows.map((row) => row.label.length))
	console.log(`  ${baseline.label.padEnd(width)}  ${baseline.ms.toFixed(1).padStart(9)} ms  (baseline)`)
	for (const row of rows)
		console.log(`  ${row.label.padEnd(width)}  ${row.ms.toFixed(1).padStart(9)} ms  ×${(row.ms / baseline.ms).toFixed(2)}`)
}

/** Runs `measure` on a fresh in-memory PGlite, then on a throwaway PostgreSQL database (skipped with a note if unreachable). */
export async function onBothDatabases(name: string, measure: (label: string, database: Database) => Promise<void>, poolSize = 2) {
	const { PGlite } = await import('@electric-sql/pglite')
	const { openPglite, openPostgres } = await import('#app/db/database.server.ts')
	const embedded = openPglite(new PGlite())
	await measure('PGlite', embedded)
	await embedded.close()
	const pg = await import('pg')
	const baseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
	const admin = new pg.default.Client({ connectionString: baseUrl })
	const database = `lorica_bench_${name}_${process.pid}`
	try {
		await admin.connect()
		await admin.query(`CREATE DATABASE "${database}"`)
		const url = new URL(baseUrl)
		url.pathname = `/${database}`
		const opened = openPostgres(url.toString(), { max: poolSize })
		await measure('PostgreSQL', opened)
		await opened.close()
		await admin.query(`DROP DATABASE "${database}" WITH (FORCE)`)
	} catch (error) {
		console.log(`  (PostgreSQL skipped: ${error instanceof Error ? error.message : String(error)})`)
	} finally {
		await admin.end().catch(() => {})
	}
}
