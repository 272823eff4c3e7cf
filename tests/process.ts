import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import { ROOT } from '../scripts/lib/paths.ts'

// Runs the real start script as a child process, the way `npm start` does.

const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs')

/** Only what a fresh shell has: no DATABASE_URL or test settings leak into the child. */
export function cleanEnv(extra: Record<string, string>) {
	return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...extra } as unknown as NodeJS.ProcessEnv
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer()
		server.once('error', reject)
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo
			server.close(() => resolve(port))
		})
	})
}

export type Started = { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> }

export function startScript(args: string[], env: Record<string, string>): Started {
	// Its own process group: tsx runs the script in a grandchild, which must not outlive a test.
	const child = spawn(process.execPath, [TSX, ...args], { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true })
	let out = ''
	let err = ''
	child.stdout!.on('data', (chunk) => (out += chunk))
	child.stderr!.on('data', (chunk) => (err += chunk))
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
	return { child, stdout: () => out, stderr: () => err, exited }
}

/** Resolves when the server logs that it listens; rejects if it exits first. */
export async function waitForListening(started: Started, timeoutMs = 90_000) {
	const deadline = Date.now() + timeoutMs
	while (Date.now() < deadline) {
		if (started.stdout().includes('"msg":"listening"')) return
		if (started.child.exitCode !== null) throw new Error(`server exited with ${started.child.exitCode}: ${started.stderr()}`)
		await new Promise((resolve) => setTimeout(resolve, 100))
	}
	throw new Error('server did not start in time')
}

/** Stops a started script and everything it spawned: SIGTERM first, the whole group killed if it lingers. */
export async function stopScript(started: Started, graceMs = 10_000) {
	if (started.child.exitCode !== null || started.child.signalCode !== null) return
	started.child.kill('SIGTERM')
	const stopped = await Promise.race([started.exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs))])
	if (stopped) return
	try {
		process.kill(-started.child.pid!, 'SIGKILL')
	} catch {
		// Already gone.
	}
}
