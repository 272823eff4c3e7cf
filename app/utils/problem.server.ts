/** An RFC 9457 problem document: what APIs and webhooks answer instead of HTML errors. */
export function problem(status: number, title: string, detail: string, extra: Record<string, string> = {}) {
	return Response.json({ type: 'about:blank', title, status, detail, ...extra }, { status, headers: { 'Content-Type': 'application/problem+json' } })
}
