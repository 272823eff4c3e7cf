/** The body of an RFC 9457 problem document. */
export function problemDocument(status: number, title: string, detail: string, extra: Record<string, string> = {}) {
	return { type: 'about:blank', title, status, detail, ...extra }
}

/** An RFC 9457 problem document: what APIs and webhooks answer instead of HTML errors. */
export function problem(status: number, title: string, detail: string, extra: Record<string, string> = {}) {
	return Response.json(problemDocument(status, title, detail, extra), { status, headers: { 'Content-Type': 'application/problem+json' } })
}
