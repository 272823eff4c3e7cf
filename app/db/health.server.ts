import { log } from '#app/utils/logger.server.ts'
import { getDatabase } from './db.server.ts'

const TIMEOUT_MS = 3_000

export type DatabaseHealth = { ok: true } | { ok: false; reason: string }

/** A round trip to the database, bounded so that a hung connection fails the check instead of the probe. */
export async function checkDatabase(): Promise<DatabaseHealth> {
	let timer: NodeJS.Timeout | undefined
	try {
		const timeout = new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS)
		})
		await Promise.race([getDatabase().prisma.$queryRaw`SELECT 1`, timeout])
		return { ok: true }
	} catch (error) {
		const reason = error instanceof Error ? error.message.split('\n')[0]! : 'unknown error'
		log.warn('health check failed', { reason })
		return { ok: false, reason: `database query failed: ${reason}` }
	} finally {
		clearTimeout(timer)
	}
}
