import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { startScript } from './process.ts'

async function boot(env: Record<string, string>) {
	const started = startScript(['scripts/start.ts'], { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-boot-')), ...env })
	const code = await started.exited
	return { code, stderr: started.stderr().trim(), stdout: started.stdout() }
}

describe('bad configuration stops the process at boot', () => {
	test('PORT=-1 gives one line naming the variable and the allowed range, no stack trace', async () => {
		const { code, stderr } = await boot({ PORT: '-1' })
		expect(code).toBe(1)
		expect(stderr.split('\n')).toEqual([
			'Invalid configuration: PORT must be a whole number between 1 and 65535 (got "-1")',
			'See .env.example for every variable and its format.',
		])
	})

	test('DATABASE_URL=nonsense is explained without echoing the value', async () => {
		const { code, stderr } = await boot({ DATABASE_URL: 'nonsense' })
		expect(code).toBe(1)
		expect(stderr).toMatch(/^Invalid configuration: DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/)
		expect(stderr).not.toContain('nonsense')
		expect(stderr).not.toMatch(/\n\s+at /)
	})

	test('an unreachable database is one line, not a stack trace', async () => {
		const { code, stderr } = await boot({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:9/lorica', SESSION_SECRET: 'x'.repeat(32) })
		expect(code).toBe(1)
		expect(stderr).toMatch(/^Error: cannot use the database in DATABASE_URL \(127\.0\.0\.1:9\/lorica\): .*ECONNREFUSED/)
		expect(stderr.split('\n')).toHaveLength(1)
	})

	test('PostgreSQL in production without SESSION_SECRET is refused before anything else', async () => {
		const { code, stderr } = await boot({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:9/lorica', NODE_ENV: 'production' })
		expect(code).toBe(1)
		expect(stderr).toBe('Error: SESSION_SECRET must be set when DATABASE_URL is (generate one with: openssl rand -hex 32)')
	})

	test('a short SESSION_SECRET is rejected without being echoed', async () => {
		const { code, stderr } = await boot({ SESSION_SECRET: 'short-secret' })
		expect(code).toBe(1)
		expect(stderr).toContain('Invalid configuration: SESSION_SECRET must be one or more comma-separated secrets of at least 32 characters')
		expect(stderr).not.toContain('short-secret')
	})

	test('an embedded database already in use by a live process is refused', async () => {
		const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-boot-'))
		fs.writeFileSync(path.join(dataDir, 'lorica.pid'), String(process.pid))
		const { code, stderr } = await boot({ DATA_DIR: dataDir })
		expect(code).toBe(1)
		expect(stderr).toBe(
			`Error: The embedded database in ${dataDir} is in use by process ${process.pid}; stop that process first (PGlite allows one process at a time)`,
		)
	})
})
