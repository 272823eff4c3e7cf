import type express from 'express'
import { problemDocument } from '#app/utils/problem.server.ts'

/** The same problem document from Express middleware, before Remix is involved. */
export function sendProblem(res: express.Response, status: number, title: string, detail: string) {
	res.status(status).type('application/problem+json').send(JSON.stringify(problemDocument(status, title, detail)))
}
