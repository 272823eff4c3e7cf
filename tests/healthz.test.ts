import { openPostgres } from '#app/db/database.server.ts'
import { setDatabase } from '#app/db/db.server.ts'
import { loader } from '#app/routes/healthz.ts'
import { describe, expect, test } from './db.ts'

describe('GET /healthz', () => {
	test('answers 200 ok when the database answers', async ({ db }) => {
		expect(db).toBeDefined()
		const response = await loader()
		expect(response.status).toBe(200)
		expect(response.headers.get('Cache-Control')).toBe('no-store')
		expect(await response.json()).toEqual({ status: 'ok', db: 'ok' })
	})

	test('answers 503 with a reason when the database is unreachable', async ({ db }) => {
		expect(db).toBeDefined()
		const unreachable = openPostgres('postgresql://postgres@127.0.0.1:9/nowhere', { max: 1 })
		setDatabase(unreachable)
		try {
			const response = await loader()
			expect(response.status).toBe(503)
			const body = await response.json()
			expect(body).toMatchObject({ status: 'error', db: 'unreachable' })
			expect(body.reason).toMatch(/^database query failed: /)
		} finally {
			await unreachable.close()
		}
	})

	test('answers 503 when the embedded database has been closed', async ({ db }) => {
		await db.withSql((sql) => sql.query('SELECT 1'))
		await db.close()
		const response = await loader()
		expect(response.status).toBe(503)
	})
})
