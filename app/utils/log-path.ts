// Paths as they are logged: a bearer value in a path (a download link's token) is as good as
// the file it opens, so the log gets the route's pattern instead. Query strings, where the
// sign-in and unsubscribe tokens travel, are never logged at all.

const BEARER_ROUTES: [RegExp, string][] = [[/^\/downloads\/[^/]+/, '/downloads/:token']]

/** Longer than any id (cuid 25, uuid 36): a segment this long is a token until shown otherwise. */
const TOKEN_LENGTH = 40

export function loggedPath(path: string) {
	for (const [pattern, replacement] of BEARER_ROUTES) if (pattern.test(path)) return path.replace(pattern, replacement)
	return path
		.split('/')
		.map((segment) => (segment.length >= TOKEN_LENGTH ? ':redacted' : segment))
		.join('/')
}
