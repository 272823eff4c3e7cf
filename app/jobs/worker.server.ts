import type { JobWithMetadata, PgBoss } from 'pg-boss'
import type { AnyJobDefinition } from './definition.ts'
import { parsePayload } from './payloads.ts'
import type { QueueSpec } from './queue.server.ts'
import { runLogged } from './run-logged.server.ts'

// Runs jobs from pg-boss. A handler that throws fails its attempt: pg-boss retries it after
// the definition's delay, and once the retries are spent moves a copy to the
// `job-failed-alert` queue (its dead-letter queue), whose job e-mails the admins once.

export const FAILURE_QUEUE = 'job-failed-alert'

/** Completed and failed jobs stay a week for the admin page, then pg-boss deletes them. */
const KEEP_SECONDS = 7 * 24 * 3600

export function queueSpec(definition: AnyJobDefinition): QueueSpec {
	return {
		name: definition.name,
		settings: {
			policy: definition.policy,
			retryLimit: definition.retryLimit,
			retryDelay: definition.retryDelay,
			retryBackoff: definition.backoff,
			expireInSeconds: definition.expireInSeconds,
			deleteAfterSeconds: KEEP_SECONDS,
			...(definition.name === FAILURE_QUEUE ? {} : { deadLetter: FAILURE_QUEUE }),
		},
	}
}

/** One attempt of one job, with its log line; throws when the attempt failed. */
export async function runJob(definition: AnyJobDefinition, job: JobWithMetadata<unknown>) {
	const outcome = await runLogged(
		definition.name,
		async () => {
			const data = parsePayload(definition.name, job.data)
			return definition.handler(data as never, {
				now: new Date(),
				dryRun: false,
				progress: () => {},
				job: { id: job.id, retryCount: job.retryCount, sourceName: job.sourceName, sourceId: job.sourceId, sourceOutput: job.sourceOutput },
			})
		},
		{ jobId: job.id, attempt: job.retryCount + 1 },
	)
	if (!outcome.ok) throw outcome.error
	return outcome.result ?? null
}

/** One polling worker per queue; pg-boss's `work` fetches, runs and settles each job. */
export async function startWorkers(boss: PgBoss, definitions: readonly AnyJobDefinition[]) {
	for (const definition of definitions) {
		await boss.work(
			definition.name,
			{ includeMetadata: true, batchSize: 1, localConcurrency: definition.concurrency ?? 1, pollingIntervalSeconds: 1 },
			async ([job]: JobWithMetadata<unknown>[]) => runJob(definition, job!),
		)
	}
}

/**
 * Runs everything that is due until nothing is: what a worker would do, in the foreground
 * (tests, `drainJobs`). Failed attempts are settled as failures, so retries and the
 * dead-letter move happen exactly as under `work`.
 */
export async function workUntilIdle(boss: PgBoss, definitions: readonly AnyJobDefinition[], options: { includeDelayedRetries?: boolean } = {}) {
	const summary = { completed: 0, failed: 0 }
	for (;;) {
		let ran = 0
		for (const definition of definitions) {
			const jobs = await boss.fetch<unknown>(definition.name, { includeMetadata: true, batchSize: 20, ignoreStartAfter: options.includeDelayedRetries ?? false })
			for (const job of jobs) {
				ran++
				try {
					const output = await runJob(definition, job)
					await boss.complete(definition.name, job, output && typeof output === 'object' ? output : { result: output })
					summary.completed++
				} catch (error) {
					await boss.fail(definition.name, job, { message: error instanceof Error ? error.message : String(error) })
					summary.failed++
				}
			}
		}
		if (!ran) return summary
	}
}
