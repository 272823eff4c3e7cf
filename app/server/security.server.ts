import { randomBytes } from 'node:crypto'
import type express from 'express'
import { requestOrigin } from './host-check.server.ts'
import { normalisedPath } from './path-check.server.ts'
import { sendProblem as problem } from './send-problem.server.ts'

// Headers and the cross-site check every response and every write goes through.

declare module '@remix-run/node' {
	interface AppLoadContext {
		cspNonce: string
		/** The visitor's address, through trusted proxies (TRUST_PROXY): what rate limits key on. */
		clientIp: string
		/** The TCP peer's own address, never taken from a header. */
		peerIp: string
	}
}

export function contentSecurityPolicy(nonce: string, dev: boolean) {
	return [
		"default-src 'self'",
		// Vite's dev client needs eval and a websocket; production needs neither.
		`script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self'",
		`connect-src 'self'${dev ? ' ws: wss:' : ''}`,
		"frame-src 'self'",
		"frame-ancestors 'none'",
		"form-action 'self'",
		"base-uri 'self'",
		"object-src 'none'",
	].join('; ')
}

export function securityHeaders(options: { dev: boolean; https: boolean }): express.RequestHandler {
	return (_req, res, next) => {
		const nonce = randomBytes(16).toString('base64')
		res.locals.cspNonce = nonce
		res.setHeader('Content-Security-Policy', contentSecurityPolicy(nonce, options.dev))
		res.setHeader('X-Content-Type-Options', 'nosniff')
		res.setHeader('X-Frame-Options', 'DENY')
		res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin')
		res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()')
		res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
		if (options.https) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains')
		next()
	}
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
/**
 * Authenticated by what they carry instead: webhooks by their sender's signature,
 * unsubscribe by its signed token (mail clients post it without an Origin, RFC 8058).
 */
const EXEMPT = [(path: string) => path.startsWith('/webhooks/'), (path: string) => path === '/unsubscribe' || path === '/unsubscribe/']

/**
 * Rejects writes whose Origin (or, lacking it, Referer) is not this site: a cross-site form
 * cannot act with the visitor's cookies, whatever SameSite a browser applies.
 */
export function originCheck(): express.RequestHandler {
	return (req, res, next) => {
		// The path the router will use, not the raw one: "/webhooks/../account" is /account.
		const path = normalisedPath(req)
		if (SAFE_METHODS.has(req.method) || EXEMPT.some((exempt) => exempt(path))) return next()
		// The trusted origin for the host this request names (refuseUnknownHosts ran first).
		const expected = requestOrigin(req)
		const source = req.get('origin') ?? originOf(req.get('referer'))
		if (source && expected && source === expected) return next()
		problem(
			res,
			403,
			'Cross-site request refused',
			source ? `Requests from ${source} may not change anything here.` : 'The request did not say which site it came from (no Origin or Referer header).',
		)
	}
}

function originOf(url: string | undefined) {
	if (!url) return undefined
	try {
		return new URL(url).origin
	} catch {
		return undefined
	}
}
