import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { createRequestHandler } from '@remix-run/express'
import type { ServerBuild } from '@remix-run/node'
import compression from 'compression'
import express from 'express'
import type { ViteDevServer } from 'vite'
import { loggedPath } from '#app/utils/log-path.ts'
import { log } from '#app/utils/logger.server.ts'
import { parseTrustProxy } from '#app/utils/trust-proxy.ts'
import { noStoreForSignedIn } from './cache-control.server.ts'
import { refuseUnknownHosts } from './host-check.server.ts'
import { refuseDotSegments } from './path-check.server.ts'
import { originCheck, securityHeaders } from './security.server.ts'

export type HttpOptions = { appUrl?: string; trustProxy?: string } & (
	| { mode: 'production'; build: ServerBuild; clientDirectory: string }
	| { mode: 'development'; vite: ViteDevServer }
)

function loadContext(req: express.Request, res: express.Response) {
	return { cspNonce: String(res.locals.cspNonce), clientIp: req.ip ?? 'unknown', peerIp: req.socket.remoteAddress ?? 'unknown' }
}

/** One JSON line per request: method, path without query string or bearer tokens, status, duration. Never bodies. */
function requestLog(): express.RequestHandler {
	return (req, res, next) => {
		const started = process.hrtime.bigint()
		const requestId = randomUUID()
		res.setHeader('X-Request-Id', requestId)
		res.on('finish', () => {
			log.info('request', {
				requestId,
				method: req.method,
				path: loggedPath(req.path),
				status: res.statusCode,
				ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
			})
		})
		next()
	}
}

export function createHttpApp(options: HttpOptions) {
	const app = express()
	app.disable('x-powered-by')
	// Rate limits key on the client address, so it must be the visitor's, not the proxy's.
	app.set('trust proxy', parseTrustProxy(options.trustProxy ?? 'false') ?? false)
	app.use(requestLog())
	app.use(securityHeaders({ dev: options.mode === 'development', https: (options.appUrl ?? '').startsWith('https:') }))
	// Before static files and Remix: nothing answers a request for another host or an odd path.
	app.use(refuseUnknownHosts())
	app.use(refuseDotSegments())
	app.use(compression())

	if (options.mode === 'development') {
		app.use(options.vite.middlewares)
		app.all(
			'*',
			originCheck(),
			noStoreForSignedIn(),
			createRequestHandler({
				mode: 'development',
				build: () => options.vite.ssrLoadModule('virtual:remix/server-build') as Promise<ServerBuild>,
				getLoadContext: loadContext,
			}),
		)
	} else {
		// Fingerprinted assets never change; everything else is revalidated hourly.
		app.use('/assets', express.static(path.join(options.clientDirectory, 'assets'), { immutable: true, maxAge: '1y' }))
		app.use(express.static(options.clientDirectory, { maxAge: '1h' }))
		app.all('*', originCheck(), noStoreForSignedIn(), createRequestHandler({ mode: 'production', build: options.build, getLoadContext: loadContext }))
	}

	app.use(((error, _req, res, _next) => {
		log.error('request failed', { error })
		if (!res.headersSent) res.status(500).type('text/plain').send('Internal Server Error')
	}) as express.ErrorRequestHandler)
	return app
}
