import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { resetEnvCache } from '#app/utils/env.server.ts'
import type * as TrustedOrigin from '#app/utils/trusted-origin.server.ts'

// Finding 1, the parts no single server shows: the origin follows the address actually
// listened on, and the server build (a second module graph in the process) sees the same.

type OriginModule = typeof TrustedOrigin
const KEY = Symbol.for('lorica.listeningOrigin')
const saved = process.env.APP_URL

beforeEach(() => {
	delete process.env.APP_URL
	process.env.PORT = '3000'
	resetEnvCache()
})
afterEach(() => {
	process.env.APP_URL = saved
	delete process.env.PORT
	delete (globalThis as Record<symbol, unknown>)[KEY]
	resetEnvCache()
})

const fresh = async () => {
	vi.resetModules()
	return (await import('#app/utils/trusted-origin.server.ts')) as OriginModule
}

describe('the trusted origin without APP_URL', () => {
	test('is the listening address: loopback and wildcard binds are localhost with their aliases, another address is itself alone', async () => {
		const origin = await fresh()
		expect(origin.trustedOrigin()).toBe('http://localhost:3000')
		origin.setListeningAddress({ address: '0.0.0.0', family: 'IPv4', port: 4123 })
		expect(origin.trustedOrigin()).toBe('http://localhost:4123')
		expect([...origin.trustedHosts()]).toEqual(['localhost:4123', '127.0.0.1:4123', '[::1]:4123'])
		expect(origin.absoluteUrl('/login/link?token=abc')).toBe('http://localhost:4123/login/link?token=abc')
		origin.setListeningAddress({ address: '192.0.2.2', family: 'IPv4', port: 4124 })
		expect(origin.trustedOrigin()).toBe('http://192.0.2.2:4124')
		expect([...origin.trustedHosts()]).toEqual(['192.0.2.2:4124'])
		origin.setListeningAddress({ address: 'fd00::2', family: 'IPv6', port: 4125 })
		expect(origin.trustedOrigin()).toBe('http://[fd00::2]:4125')
	})

	test('set by the start script, it is what the server build’s own copy of the module answers', async () => {
		const startScript = await fresh()
		startScript.setListeningAddress({ address: '127.0.0.1', family: 'IPv4', port: 4999 })
		const serverBuild = await fresh()
		expect(serverBuild).not.toBe(startScript)
		expect(serverBuild.absoluteUrl('/wallet')).toBe('http://localhost:4999/wallet')
	})

	test('APP_URL wins over everything, and then only its host is trusted', async () => {
		process.env.APP_URL = 'https://lorica.example'
		resetEnvCache()
		const origin = await fresh()
		origin.setListeningAddress({ address: '127.0.0.1', family: 'IPv4', port: 4999 })
		expect(origin.trustedOrigin()).toBe('https://lorica.example')
		expect([...origin.trustedHosts()]).toEqual(['lorica.example'])
		expect(origin.normaliseHost('LORICA.EXAMPLE:443')).toBe('lorica.example')
		for (const bad of ['lorica.example/x', 'a@lorica.example', 'lorica.example?', 'lorica .example', 'lorica.example%2f']) expect(origin.normaliseHost(bad), bad).toBeNull()
	})
})
