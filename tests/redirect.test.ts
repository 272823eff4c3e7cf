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
	])('%j → %j', (input, expected) => {
		expect(safeRedirect(input)).toBe(expected)
	})
})
