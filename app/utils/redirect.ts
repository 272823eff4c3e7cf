/** Only same-site paths: never `//host`, `/\host` or absolute URLs an attacker could supply. */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = '/') {
	if (typeof to !== 'string' || !to.startsWith('/') || to.startsWith('//') || to.startsWith('/\\')) return fallback
	// Control characters (CR, LF, tab…) are how header injection and URL confusion start.
	if ([...to].some((char) => char.charCodeAt(0) < 0x20)) return fallback
	return to
}
