// Parsing against a placeholder origin tells a same-site path from everything else the way
// a browser will read it, and serialising it percent-encodes what a Location header cannot
// carry (a raw "/orders/😀" makes the Headers API throw, after a sign-in already happened).
const BASE = 'http://same-site.invalid'

/** Only same-site paths, normalised and percent-encoded: never `//host`, `/\host` or absolute URLs an attacker could supply. */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = '/') {
	if (typeof to !== 'string' || !to.startsWith('/') || to.startsWith('//') || to.startsWith('/\\')) return fallback
	// Control characters (CR, LF, tab…) are how header injection and URL confusion start.
	if (/\p{Cc}/u.test(to)) return fallback
	let url: URL
	try {
		url = new URL(to.normalize('NFC'), BASE)
	} catch {
		return fallback
	}
	if (url.origin !== BASE) return fallback
	const path = `${url.pathname}${url.search}${url.hash}`
	// Dot segments can collapse "/.//host" into "//host", which a browser reads as another site.
	if (path.startsWith('//') || path.startsWith('/\\')) return fallback
	return path
}
