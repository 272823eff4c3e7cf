import { z } from 'zod'

// Row ids here are Prisma cuids (`cm9x…`, 25 characters) or the demo seed's readable ones
// (`demo-order-draft`); Stripe's and the outbox's have formats of their own. Anything else
// in a URL or a form cannot name a row, so it is refused before the database sees it
// (a NUL byte, for one, makes PostgreSQL fail the query).
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

export function isId(value: unknown): value is string {
	return typeof value === 'string' && ID_PATTERN.test(value)
}

/** A route's id parameter, or the 404 a row that does not exist gets. */
export function routeId(value: string | undefined): string {
	if (!isId(value)) throw new Response('Not found', { status: 404 })
	return value
}

/** A form field that names a row. */
export function idField(message: string) {
	return z.string({ error: message }).regex(ID_PATTERN, message)
}
