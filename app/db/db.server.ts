import type { PrismaClient } from '#app/generated/prisma/client.ts'
import type { Database } from './database.server.ts'

// Kept on globalThis so the server build and the start script (two module graphs in one
// process) share the one connection; an embedded PGlite must never be opened twice.
const KEY = Symbol.for('lorica.database')
type Holder = { [KEY]?: Database }

export function setDatabase(database: Database | undefined) {
	;(globalThis as Holder)[KEY] = database
}

export function getDatabase(): Database {
	const database = (globalThis as Holder)[KEY]
	if (!database) throw new Error('No database is open: the server must be started through scripts/start.ts')
	return database
}

/** The Prisma client of the open database. */
export const prisma = new Proxy({} as PrismaClient, {
	get(_target, property) {
		const client = getDatabase().prisma
		const value = Reflect.get(client, property, client)
		return typeof value === 'function' ? value.bind(client) : value
	},
})
