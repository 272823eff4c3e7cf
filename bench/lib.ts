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
