import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { getEnv } from '#app/utils/env.server.ts'

// Cookie signing and at-rest encryption keys come from SESSION_SECRET. Only the embedded
// demo (no DATABASE_URL) may run without it: it gets a random secret kept in DATA_DIR, so
// `npm install && npm start` needs no configuration and sessions survive restarts.

const KEY = Symbol.for('lorica.sessionSecrets')
type Holder = { [KEY]?: string[] }

export class MissingSecretError extends Error {
	override name = 'MissingSecretError'
}

export function sessionSecrets(): string[] {
	const holder = globalThis as Holder
	if (holder[KEY]) return holder[KEY]
	const env = getEnv()
	if (env.SESSION_SECRET) {
		holder[KEY] = env.SESSION_SECRET.split(',').map((secret) => secret.trim())
		return holder[KEY]
	}
	if (env.DATABASE_URL && env.NODE_ENV === 'production')
		throw new MissingSecretError('SESSION_SECRET must be set when DATABASE_URL is (generate one with: openssl rand -hex 32)')
	const file = path.resolve(env.DATA_DIR, 'session-secret')
	if (!fs.existsSync(file)) {
		fs.mkdirSync(path.dirname(file), { recursive: true })
		fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' })
	}
	holder[KEY] = [fs.readFileSync(file, 'utf8').trim()]
	return holder[KEY]
}

export function resetSecretsForTests() {
	delete (globalThis as Holder)[KEY]
}
