import type express from 'express'
import { normaliseHost, originForHost, trustedHosts } from '#app/utils/trusted-origin.server.ts'
import { sendProblem as problem } from './send-problem.server.ts'

// A request must name this site: its Host (or, from a trusted proxy, X-Forwarded-Host) is
// one of trustedHosts(). Links are never built from these headers; refusing the others
// early keeps a spoofed Host from reaching any code that might still read request.url.

function firstValue(header: string) {
	return header.split(',')[0]!.trim()
}

function viaTrustedProxy(req: express.Request) {
	const trust = req.app.get('trust proxy fn') as (address: string | undefined, hop: number) => boolean
	return req.get('x-forwarded-host') !== undefined && trust(req.socket.remoteAddress, 0)
}

/** The host the visitor's browser addressed, normalised, or null when absent or malformed. */
export function requestedHost(req: express.Request): string | null {
	const named = viaTrustedProxy(req) ? firstValue(req.get('x-forwarded-host')!) : (req.get('host') ?? '')
	return normaliseHost(named)
}

/** The origin the visitor's browser is on, when the request names a trusted host. */
export function requestOrigin(req: express.Request): string | null {
	const host = requestedHost(req)
	return host ? originForHost(host) : null
}

/**
 * 400 for a request naming any other host. From an untrusted peer an X-Forwarded-Host is
 * not believed, and one that disagrees with this site is refused rather than ignored.
 */
export function refuseUnknownHosts(): express.RequestHandler {
	return (req, res, next) => {
		const trusted = trustedHosts()
		const forwarded = req.get('x-forwarded-host')
		const named = viaTrustedProxy(req) ? [firstValue(forwarded!)] : [req.get('host') ?? '', ...(forwarded?.split(',') ?? [])]
		const refused = named.find((value) => !trusted.has(normaliseHost(value) ?? ''))
		if (refused === undefined) return next()
		problem(
			res,
			400,
			'Unknown host',
			refused.trim()
				? `This server answers to ${[...trusted][0]}, not to ${JSON.stringify(refused.trim().slice(0, 100))}.`
				: `The request did not name a host; this server answers to ${[...trusted][0]}.`,
		)
	}
}
