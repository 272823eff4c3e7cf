import net from 'node:net'

// TRUST_PROXY → Express's `trust proxy`. Rate limits key on the client address, so believing
// X-Forwarded-For from a peer that is not a proxy of ours lets any client pick its own
// address. Nothing is trusted unless configured; "everyone" (true) is never accepted.
// docs/decisions/0020-trusted-origin-host-check-and-proxies.md

export type TrustProxy = false | number | string[]

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal'])
const MAX_HOPS = 32

function isProxyEntry(entry: string) {
	if (NAMED_RANGES.has(entry)) return true
	const [address = '', bits, extra] = entry.split('/')
	const version = net.isIP(address)
	if (!version || extra !== undefined) return false
	return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128))
}

/** The Express setting for a TRUST_PROXY value, or null when the value is not one. */
export function parseTrustProxy(value: string): TrustProxy | null {
	const setting = value.trim().toLowerCase()
	if (setting === 'false' || setting === '0') return false
	if (/^\d+$/.test(setting)) return Number(setting) <= MAX_HOPS ? Number(setting) : null
	const entries = setting.split(',').map((entry) => entry.trim())
	return entries.every(isProxyEntry) ? entries : null
}
