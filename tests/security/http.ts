import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { ensureBuild } from '../../scripts/lib/build.ts'
import { freePort, startScript, stopScript, waitForListening, type Started } from '../process.ts'

// The real server for the security tests, and requests whose every byte the test chooses:
// fetch() would normalise "/a/../b" and set Host itself.

export type Server = { port: number; dataDir: string; started: Started; stop(): Promise<void> }

export async function startServer(env: Record<string, string> = {}): Promise<Server> {
	ensureBuild(() => {})
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-security-'))
	const port = await freePort()
	const started = startScript(['scripts/start.ts'], { DATA_DIR: dataDir, PORT: String(port), ...env })
	await waitForListening(started)
	return {
		port,
		dataDir,
		started,
		async stop() {
			await stopScript(started)
			fs.rmSync(dataDir, { recursive: true, force: true })
		},
	}
}

export type RawResponse = { status: number; headers: http.IncomingHttpHeaders; body: string }

export function rawRequest(
	port: number,
	options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
	return new Promise((resolve, reject) => {
		const request = http.request(
			{ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: { host: `localhost:${port}`, ...options.headers }, setHost: false },
			(response) => {
				let body = ''
				response.setEncoding('utf8')
				response.on('data', (chunk) => (body += chunk))
				response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }))
			},
		)
		request.on('error', reject)
		request.end(options.body)
	})
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

/** The texts of the sign-in e-mails in the demo outbox, oldest first (the scheduler's mails left out). */
export function signInMails(dataDir: string): string[] {
	const directory = path.join(dataDir, 'outbox')
	if (!fs.existsSync(directory)) return []
	return fs
		.readdirSync(directory)
		.filter((name) => name.endsWith('.json'))
		.sort()
		.map((name) => (JSON.parse(fs.readFileSync(path.join(directory, name), 'utf8')) as { text: string }).text)
		.filter((text) => text.startsWith('Your sign-in code is'))
}

/** The JSON log lines the server wrote. */
export function logLines(server: Server): Record<string, unknown>[] {
	return server.started
		.stdout()
		.trim()
		.split('\n')
		.filter((line) => line.startsWith('{'))
		.map((line) => JSON.parse(line) as Record<string, unknown>)
}
