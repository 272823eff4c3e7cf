import type { Prisma } from '#app/generated/prisma/client.ts'
import { enqueue } from '#app/jobs/enqueue.server.ts'
import type { AfterCommit } from './settlement.server.ts'

// A settlement's after-effects become jobs in the settlement's own transaction: they run
// only if it commits, exactly once, and survive the process dying right after the commit.

type Tx = Prisma.TransactionClient

export async function enqueueFollowUps(tx: Tx, actions: readonly AfterCommit[]) {
	for (const action of actions) {
		switch (action.kind) {
			case 'refund_order':
				await enqueue(tx, 'refund-order', { orderId: action.orderId, reason: action.reason })
				break
			case 'refund_payment':
				await enqueue(tx, 'refund-payment', { paymentId: action.paymentId, reason: action.reason })
				break
			case 'top_up_failed_notice':
				await enqueue(tx, 'top-up-failed-notice', { paymentId: action.paymentId })
				break
		}
	}
}

/** After coins are spent: top the wallet up if it fell below its threshold (one queued check per customer). */
export function enqueueAutoTopUpCheck(tx: Tx, userId: string) {
	return enqueue(tx, 'auto-top-up', { userId }, { singletonKey: userId })
}
