import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { resetMailTransportForTests, sendMail } from '#app/mail/mail.server.ts'
import { loader as messageLoader } from '#app/routes/dev.outbox.$id.tsx'
import { loader as listLoader } from '#app/routes/dev.outbox._index.tsx'
import { parseEnv, resetEnvCache } from '#app/utils/env.server.ts'
import { exposureWarning } from '#app/utils/trusted-origin.server.ts'
import { callRoute, routeArgs, testContext } from '../support/route.ts'

// Finding 2: the demo outbox lists every sign-in code, so it answers only to this machine,
// judged by the TCP peer and never by a header the client writes.

let sentId: string

beforeAll(async () => {
	resetEnvCache()
	resetMailTransportForTests()
	sentId = (await sendMail({ to: 'ann@people.test', subject: 'Your Lorica sign-in code: 123456', text: 'Your sign-in code is 123456.', category: 'transactional' })).id
})
afterAll(() => resetMailTransportForTests())

function open(path: string, context: ReturnType<typeof testContext>, headers: Record<string, string> = {}) {
	const request = new Request(`http://localhost:3000${path}`, { headers })
	return path === '/dev/outbox'
		? callRoute(listLoader as never, routeArgs(request, {}, context))
		: callRoute(messageLoader as never, routeArgs(request, { id: sentId }, context))
}

describe('finding 2: the demo outbox is loopback-only', () => {
	const local = ['127.0.0.1', '::1', '::ffff:127.0.0.1']
	const remote = ['203.0.113.7', '::ffff:192.0.2.1', '10.0.0.5', 'unknown']

	test('requests from loopback see the codes; every other peer gets 404', async () => {
		for (const path of ['/dev/outbox', `/dev/outbox/${sentId}`]) {
			for (const peerIp of local) {
				const answer = await open(path, testContext({ peerIp, clientIp: peerIp }))
				expect(answer.status, `${path} from ${peerIp}`).toBe(200)
				expect(JSON.stringify(answer.data)).toContain('sign-in code')
			}
			for (const peerIp of remote) expect((await open(path, testContext({ peerIp, clientIp: peerIp }))).status, `${path} from ${peerIp}`).toBe(404)
		}
	})

	test('X-Forwarded-For cannot make a remote peer local, and a proxied request from a local proxy is not local', async () => {
		// clientIp is what TRUST_PROXY made of X-Forwarded-For; the peer is what decides.
		expect((await open('/dev/outbox', testContext({ peerIp: '203.0.113.7', clientIp: '127.0.0.1' }), { 'x-forwarded-for': '127.0.0.1' })).status).toBe(404)
		for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host'])
			expect((await open('/dev/outbox', testContext({ peerIp: '127.0.0.1', clientIp: '127.0.0.1' }), { [header]: '198.51.100.4' })).status, header).toBe(404)
	})

	test('the default HOST is loopback, and a non-loopback HOST is explained at boot', () => {
		expect(parseEnv({}).HOST).toBe('127.0.0.1')
		expect(exposureWarning(parseEnv({}))).toBeNull()
		expect(exposureWarning(parseEnv({ HOST: '::1' }))).toBeNull()
		const warning = exposureWarning(parseEnv({ HOST: '0.0.0.0' }))
		expect(warning).toMatch(/^HOST=0\.0\.0\.0 is not a loopback address: the server is reachable from the network\./)
		expect(warning).toContain('sign-in codes and links are written to the demo outbox')
		expect(warning).toContain('shows only to requests from this machine')
		expect(warning).toContain('set APP_URL')
		expect(exposureWarning(parseEnv({ HOST: '0.0.0.0', APP_URL: 'https://lorica.example', SMTP_URL: 'smtp://mail.example:587' }))).not.toContain('outbox')
	})
})
