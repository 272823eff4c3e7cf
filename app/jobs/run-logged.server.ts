import { log } from '#app/utils/logger.server.ts'

export type JobOutcome<T> = { ok: true; result: T } | { ok: false; error: unknown }

/**
 * Runs one job and writes exactly one JSON line about it: name, outcome, duration, and the
 * ids in `fields` (job id, attempt). Never the payload: ids only reach the log.
 */
export async function runLogged<T>(job: string, fn: () => Promise<T>, fields: Record<string, string | number | boolean> = {}): Promise<JobOutcome<T>> {
	const started = Date.now()
	try {
		const result = await fn()
		log.info('job', { job, ...fields, status: 'succeeded', ms: Date.now() - started })
		return { ok: true, result }
	} catch (error) {
		log.error('job', { job, ...fields, status: 'failed', ms: Date.now() - started, error })
		return { ok: false, error }
	}
}
