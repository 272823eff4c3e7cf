import type { AppLoadContext } from '@remix-run/node'
import { keyedHash } from '#app/auth/crypto.server.ts'

/** Rate limits key on a keyed hash of the client address; the address itself is never stored. */
export function clientIpHash(context: Partial<AppLoadContext>) {
	return keyedHash('ip', context.clientIp ?? 'unknown')
}
