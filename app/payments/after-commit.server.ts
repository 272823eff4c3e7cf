import { maybeAutoTopUp, sendTopUpFailedNotice } from '#app/coins/auto-top-up.server.ts'
import { log } from '#app/utils/logger.server.ts'
import { refundOrder, refundPayment } from './refunds.server.ts'
import type { AfterCommit } from './settlement.server.ts'

// Side effects that must not run inside a transaction (calls to Stripe, e-mail). Each one is
// idempotent and has a job behind it that finishes the work if this process dies first
// (runRefundJob for refunds; the auto top-up check runs again on the next spend).

export type FollowUp = AfterCommit | { kind: 'check_auto_top_up'; userId: string }

export async function runAfterCommit(actions: readonly FollowUp[]) {
	for (const action of actions) {
		try {
			switch (action.kind) {
				case 'refund_order':
					await refundOrder(action.orderId, { reason: action.reason })
					break
				case 'refund_payment':
					await refundPayment(action.paymentId, action.reason)
					break
				case 'top_up_failed_notice':
					await sendTopUpFailedNotice(action.userId, action.reason)
					break
				case 'check_auto_top_up':
					await maybeAutoTopUp(action.userId)
					break
			}
		} catch (error) {
			log.error('follow-up failed', { kind: action.kind, error: error instanceof Error ? error.message : String(error) })
		}
	}
}
