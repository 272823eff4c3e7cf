import { randomBytes } from 'node:crypto'
import pg from 'pg'

// Names and admin connections for the PostgreSQL side of the test databases.

export const TEST_DB_PREFIX = 'lorica_t_'

export function databaseUrl(base: string, database: string) {
	const url = new URL(base)
	url.pathname = `/${database}`
	return url.toString()
}

export function uniqueName(prefix: string) {
	return `${prefix}${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`
}

export async function withAdmin<T>(baseUrl: string, fn: (client: pg.Client) => Promise<T>) {
	const client = new pg.Client({ connectionString: baseUrl })
	await client.connect()
	try {
		return await fn(client)
	} finally {
		await client.end()
	}
}

/** CREATE DATABASE … TEMPLATE fails while another session briefly touches the template; retry. */
export async function createFromTemplate(baseUrl: string, name: string, template: string) {
	for (let attempt = 1; ; attempt++) {
		try {
			await withAdmin(baseUrl, (client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`))
			return
		} catch (error) {
			const busy = (error as { code?: string }).code === '55006'
			if (!busy || attempt >= 20) throw error
			await new Promise((resolve) => setTimeout(resolve, 50 * attempt))
		}
	}
}

export async function dropDatabase(baseUrl: string, name: string) {
	await withAdmin(baseUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))
}
