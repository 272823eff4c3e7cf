import { randomUUID } from 'node:crypto'
import type { Prisma } from '#app/generated/prisma/client.ts'
import { parsePayload, type JobName, type JobPayload } from './payloads.ts'

// Domain code enqueues inside the transaction of the write that needs the follow-up: the
// job is a row in JobOutbox written through the same `tx`, so a rollback leaves none and
// a commit exactly one. The drainer (queue.server.ts) moves committed rows into pg-boss.

type Tx = Pick<Prisma.TransactionClient, 'jobOutbox'>

export type EnqueueOptions = { singletonKey?: string }

const listeners = new Set<() => void>()

/** The drainer subscribes so a commit's jobs move without waiting for the next poll. */
export function onEnqueued(listener: () => void) {
	listeners.add(listener)
	return () => listeners.delete(listener)
}

export async function enqueue<N extends JobName>(tx: Tx, name: N, data: JobPayload<N>, options: EnqueueOptions = {}) {
	const payload = parsePayload(name, data)
	const id = randomUUID()
	await tx.jobOutbox.create({ data: { id, name, data: payload as Prisma.InputJsonObject, singletonKey: options.singletonKey ?? null }, select: { id: true } })
	for (const listener of listeners) listener()
	return id
}
