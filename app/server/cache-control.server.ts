import type express from 'express'
import { SESSION_COOKIE_NAME } from '#app/auth/session-cookie-name.ts'
import { normalisedPath } from './path-check.server.ts'

// Signed-in pages must not stay in a shared cache or the browser's history cache for the
// next person at the same computer. Decided when the headers go out, so no route's own
// Cache-Control can loosen it. Static files come before this and keep their caching.

const PRIVATE_PREFIXES = ['/account', '/orders', '/wallet', '/admin', '/invoices', '/downloads']

const carriesSession = (cookies: string | undefined) => new RegExp(`(?:^|;\\s*)${SESSION_COOKIE_NAME}=[^;\\s]`).test(cookies ?? '')

function setsSession(header: string | number | string[] | undefined) {
	return [header ?? []].flat().some((line) => String(line).startsWith(`${SESSION_COOKIE_NAME}=`))
}

/**
 * no-store for every page under the private prefixes and every answer to a request that
 * carries a session cookie (valid or not: telling them apart would cost a query) or sets one.
 */
export function noStoreForSignedIn(): express.RequestHandler {
	return (req, res, next) => {
		const path = normalisedPath(req)
		const privatePage = PRIVATE_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`)) || carriesSession(req.headers.cookie)
		const writeHead = res.writeHead
		res.writeHead = function (this: express.Response, ...args: Parameters<typeof writeHead>) {
			if (privatePage || setsSession(this.getHeader('set-cookie'))) this.setHeader('Cache-Control', 'no-store')
			return writeHead.apply(this, args)
		} as typeof writeHead
		next()
	}
}
