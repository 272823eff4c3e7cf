import type express from 'express'
import { sendProblem as problem } from './send-problem.server.ts'

// Remix routes on the WHATWG-normalised URL, where "/webhooks/../account" is "/account",
// "%2e" counts as "." and "\" as "/". A check on the raw path would see another address
// than the router does, so such paths are refused, and checks use normalisedPath().

const DOT_SEGMENT = /^(\.|%2e){1,2}$/i

export function hasDotSegments(rawPath: string) {
	return rawPath.includes('\\') || rawPath.split('/').some((segment) => DOT_SEGMENT.test(segment))
}

/** The path as the router sees it: resolved like the URL Remix builds from the request. */
export function normalisedPath(req: express.Request) {
	try {
		return new URL(`http://path.invalid${req.originalUrl.startsWith('/') ? '' : '/'}${req.originalUrl}`).pathname
	} catch {
		return req.path
	}
}

export function refuseDotSegments(): express.RequestHandler {
	return (req, res, next) => {
		const rawPath = req.originalUrl.split('?')[0]!
		if (!hasDotSegments(rawPath)) return next()
		problem(res, 400, 'Path not accepted', 'Paths may not contain "." or ".." segments (also percent-encoded) or backslashes.')
	}
}
