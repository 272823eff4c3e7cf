import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { getEnv, type Env } from '#app/utils/env.server.ts'

// The one answer to "what is this site's address": APP_URL, or in the demo the address the
// server itself listens on. Every absolute URL the server writes comes from here, and the
// Host a request names must be one of these hosts; a request's Host or X-Forwarded-Host is
// never used to build a link, because whoever sends the request chooses them.
// docs/decisions/0020-trusted-origin-host-check-and-proxies.md

// On globalThis: the start script sets it, and the server build (a second module graph in
// the same process, where the mail and payment code runs) must read the same value.
const KEY = Symbol.for('lorica.listeningOrigin')
type Listening = { origin: string; loopbackAliases: boolean }
type Holder = { [KEY]?: Listening }
const listening = () => (globalThis as Holder)[KEY]

const WILDCARDS = new Set(['0.0.0.0', '::', '::0'])

export function isLoopbackAddress(address: string | undefined | null) {
	if (!address) return false
	const bare = address.replace(/^\[|\]$/g, '').toLowerCase()
	if (bare === 'localhost' || bare === '::1') return true
	const v4 = bare.startsWith('::ffff:') ? bare.slice(7) : bare
	return net.isIPv4(v4) && v4.startsWith('127.')
}

/** Called by the start script once the server listens: the demo's origin is where it listens. */
export function setListeningAddress(address: AddressInfo | string | null) {
	if (!address || typeof address === 'string') return
	const host = address.address
	const local = WILDCARDS.has(host) || isLoopbackAddress(host)
	const shown = local ? 'localhost' : net.isIPv6(host) ? `[${host}]` : host
	// On loopback (or every interface, loopback included) a browser may say localhost,
	// 127.0.0.1 or [::1]; each is this same server, and none of them is reachable from elsewhere.
	;(globalThis as Holder)[KEY] = { origin: `http://${shown}:${address.port}`, loopbackAliases: local }
}

/**
 * This site's origin. Outside a running server (`npm run jobs:…` from a shell) without
 * APP_URL, the demo's configured port on localhost: the only address the demo has.
 */
export function trustedOrigin(env: Env = getEnv()): string {
	return env.APP_URL ?? listening()?.origin ?? `http://localhost:${env.PORT}`
}

/** An absolute URL on this site, for e-mails, Stripe return addresses and anything sent away. */
export function absoluteUrl(pathAndQuery: string) {
	return new URL(pathAndQuery, trustedOrigin()).toString()
}

/** Every `host[:port]` a request may name: the trusted origin's, and the loopback aliases in the demo. */
export function trustedHosts(env: Env = getEnv()): Set<string> {
	const origin = new URL(trustedOrigin(env))
	const hosts = new Set([origin.host])
	if (!env.APP_URL && (listening()?.loopbackAliases ?? true))
		for (const alias of ['localhost', '127.0.0.1', '[::1]']) hosts.add(origin.port ? `${alias}:${origin.port}` : alias)
	return hosts
}

/**
 * The origin a browser shows for a request to `host` (already normalised), if that host is
 * trusted: the trusted origin's scheme with the host the browser used.
 */
export function originForHost(host: string, env: Env = getEnv()): string | null {
	if (!trustedHosts(env).has(host)) return null
	return `${new URL(trustedOrigin(env)).protocol}//${host}`
}

/**
 * `Host` and `X-Forwarded-Host` values in the form URL.host has (lower case, default port
 * dropped), or null for anything that is not a bare host[:port].
 */
export function normaliseHost(value: string, env: Env = getEnv()): string | null {
	const candidate = value.trim()
	if (!candidate || /[\s/\\?#@%]/.test(candidate)) return null
	try {
		const url = new URL(`${new URL(trustedOrigin(env)).protocol}//${candidate}`)
		return url.host
	} catch {
		return null
	}
}

/** What a boot on a non-loopback HOST exposes, said once at startup; null on loopback. */
export function exposureWarning(env: Env): string | null {
	if (isLoopbackAddress(env.HOST)) return null
	return [
		`HOST=${env.HOST} is not a loopback address: the server is reachable from the network.`,
		env.APP_URL
			? `Requests must name ${new URL(env.APP_URL).host}; other host names are refused.`
			: 'Without APP_URL only requests addressed to localhost are accepted and e-mailed links point to localhost: set APP_URL to the address people use.',
		env.SMTP_URL ? '' : 'Without SMTP_URL sign-in codes and links are written to the demo outbox (DATA_DIR/outbox), which /dev/outbox shows only to requests from this machine.',
		env.STRIPE_SECRET_KEY ? '' : 'Without Stripe keys payments are in test-payment mode: anyone who signs in can mark an order paid.',
		env.DATABASE_URL ? '' : 'The embedded demo database has well-known demo accounts (README).',
	]
		.filter(Boolean)
		.join(' ')
}
