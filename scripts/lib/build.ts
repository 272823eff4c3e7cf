import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT, SERVER_BUILD } from './paths.ts'

const INPUTS = ['app', 'public', 'vite.config.ts', 'package-lock.json', 'tsconfig.json']

function newestMtime(entry: string): number {
	const stat = fs.statSync(entry, { throwIfNoEntry: false })
	if (!stat) return 0
	if (!stat.isDirectory()) return stat.mtimeMs
	// A directory's own mtime changes when a file is renamed or deleted (route renames matter).
	return Math.max(stat.mtimeMs, ...fs.readdirSync(entry).map((name) => newestMtime(path.join(entry, name))))
}

export function buildIsStale(): boolean {
	const built = fs.statSync(SERVER_BUILD, { throwIfNoEntry: false })
	if (!built) return true
	return INPUTS.some((input) => newestMtime(path.join(ROOT, input)) > built.mtimeMs)
}

/** Builds the Remix app when the build is missing or older than its sources. */
export function ensureBuild(progress: (message: string) => void) {
	if (!buildIsStale()) return
	progress('building the app (vite build, a few seconds)…')
	const started = Date.now()
	const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/@remix-run/dev/dist/cli.js'), 'vite:build'], {
		cwd: ROOT,
		stdio: ['ignore', 'ignore', 'inherit'],
		env: { ...process.env, NODE_ENV: 'production' },
	})
	if (result.status !== 0) throw new Error('the build failed (see the output above)')
	progress(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}
