import type { QueuePolicy } from 'pg-boss'
import type { JobName, JobPayload } from './payloads.ts'

export type JobContext = {
	/** The time the job's time-based rules use: now, or `--now` from the command line. */
	now: Date
	/** Report what would be done; write nothing, send nothing. */
	dryRun: boolean
	progress: (message: string) => void
	/** The pg-boss job, when it runs from the queue. */
	job?: { id: string; retryCount: number; sourceName?: string | null; sourceId?: string | null; sourceOutput?: unknown }
}

export type JobDefinition<N extends JobName = JobName> = {
	name: N
	/** Attempts after the first; then the job fails for good and the admins hear of it. */
	retryLimit: number
	/** Seconds before the first retry; doubled (with jitter) each time when `backoff`. */
	retryDelay: number
	backoff: boolean
	/** A run still active after this many seconds counts as crashed and is retried. */
	expireInSeconds: number
	/**
	 * pg-boss queue policy. `stately`: at most one queued and one running per singleton key
	 * (the enqueuer passes the key); `singleton`: one running at a time, the rest wait.
	 */
	policy: QueuePolicy
	/** Evaluates rules as of `context.now` (so `npm run jobs -- <name> --now` makes sense). */
	timeBased?: boolean
	/** Jobs of this queue run at once in one process. */
	concurrency?: number
	handler: (data: JobPayload<N>, context: JobContext) => Promise<unknown>
}

export function defineJob<N extends JobName>(definition: JobDefinition<N>) {
	return definition
}

/** Any one job's definition (a list of them keeps each handler's own payload type). */
export type AnyJobDefinition = { [N in JobName]: JobDefinition<N> }[JobName]
