import { checkDatabase } from '#app/db/health.server.ts'

export async function loader() {
	const db = await checkDatabase()
	const headers = { 'Cache-Control': 'no-store' }
	if (db.ok) return Response.json({ status: 'ok', db: 'ok' }, { headers })
	return Response.json({ status: 'error', db: 'unreachable', reason: db.reason }, { status: 503, headers })
}
