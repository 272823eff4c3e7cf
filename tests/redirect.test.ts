import { describe, expect, test } from 'vitest'
import { safeRedirect } from '#app/utils/redirect.ts'

describe('safeRedirect', () => {
	test.each([
		['/orders?tab=open', '/orders?tab=open'],
		['//evil.example/path', '/'],
		['/\\evil.example', '/'],
		['https://evil.example', '/'],
		['javascript:alert(1)', '/'],
		['/ok\r\nSet-Cookie: x=y', '/'],
		['', '/'],
		[null, '/'],
		// Non-ASCII is percent-encoded: a raw "😀" in a Location header throws.
		['/orders/😀', '/orders/%F0%9F%98%80'],
		['/search?q=日本#café', '/search?q=%E6%97%A5%E6%9C%AC#caf%C3%A9'],
		['/\ud800', '/%EF%BF%BD'],
		// Dot segments that collapse into "//host" would be another site.
		['/.//evil.example', '/'],
		['/a/..//evil.example', '/'],
		['/a/./b/../c', '/a/c'],
		['/tab\there', '/'],
		['/next\u0085line', '/'],
	])('%j → %j', (input, expected) => {
		expect(safeRedirect(input)).toBe(expected)
	})
})
