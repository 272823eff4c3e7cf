import type express from 'express'

/** An RFC 9457 problem document from Express middleware, before Remix is involved. */
export function sendProblem(res: express.Response, status: number, title: string, detail: string) {
	res.status(status).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title, status, detail }))
}
