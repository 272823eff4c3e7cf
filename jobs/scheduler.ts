import { log } from '#app/utils/logger.server.ts'
import { runCoinExpiry, runRefunds } from './payments.ts'
import { runPolicyNoticeJob } from './policy-notices.ts'

// In-process schedule for the web process. Each job claims its work in the database, so
// several instances running it at once do not duplicate anything (docs/scaling.md).

const SCHEDULE = [
	{ name: 'policy-notices', everyMs: 5 * 60_000, run: runPolicyNoticeJob },
	{ name: 'refunds', everyMs: 5 * 60_000, run: runRefunds },
	// Hourly rather than daily: a restart never skips a day, and a run with nothing due is one query.
	{ name: 'coin-expiry', everyMs: 60 * 60_000, run: runCoinExpiry },
]

export function startScheduler() {
	const timers = SCHEDULE.map((job) => {
		let running = false
		const tick = async () => {
			if (running) return
			running = true
			try {
				await job.run()
			} finally {
				running = false
			}
		}
		void tick()
		return setInterval(() => void tick(), job.everyMs).unref()
	})
	log.info('scheduler started', { jobs: SCHEDULE.map((job) => job.name) })
	return () => timers.forEach((timer) => clearInterval(timer))
}
