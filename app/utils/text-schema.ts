import { z } from 'zod'

// Every free-text form field and query filter goes through these: control characters
// (NUL, which PostgreSQL refuses, escape sequences, backspaces…) and the bidirectional
// overrides that make text display differently from what it is ("gpj.exe" as "exe.jpg")
// are refused with a message, not stored. Multi-line fields keep tab and line breaks.

const SINGLE_LINE_UNSAFE = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u
const MULTI_LINE_UNSAFE = /(?![\t\n\r])[\p{Cc}\u202a-\u202e\u2066-\u2069]/u
const MESSAGE = 'Remove the invisible control characters from this text'

export function hasUnsafeCharacters(value: string, options: { multiline?: boolean } = {}) {
	return (options.multiline ? MULTI_LINE_UNSAFE : SINGLE_LINE_UNSAFE).test(value)
}

/** A one-line text field; `error` is the message when it is missing or not text. */
export function text(error?: string) {
	return z.string(error === undefined ? undefined : { error }).refine((value) => !hasUnsafeCharacters(value), MESSAGE)
}

/** A text area: line breaks and tabs are allowed. */
export function multilineText(error?: string) {
	return z.string(error === undefined ? undefined : { error }).refine((value) => !hasUnsafeCharacters(value, { multiline: true }), MESSAGE)
}
