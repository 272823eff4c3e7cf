import { deliverPolicyNotices, queuePolicyNotices } from '#app/policies/notices.server.ts'
import { runLogged } from './run-logged.ts'

/** Queue notices for material policy versions, then deliver what is due. Safe to run anywhere, any time. */
export function runPolicyNoticeJob() {
	return runLogged('policy-notices', async () => {
		const queued = await queuePolicyNotices()
		return { queued, ...(await deliverPolicyNotices()) }
	})
}
