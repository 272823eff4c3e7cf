import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { ensureBuild } from '../../scripts/lib/build.ts'
import { freePort, startScript, stopScript, waitForListening, type Started } from '../process.ts'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export async function launchBrowser(): Promise<Browser> {
	if (!fs.existsSync(CHROMIUM))
		throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`)
	return chromium.launch({
		executablePath: CHROMIUM,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
	})
}

export type AppServer = { url: string; dataDir: string; process: Started; stop(): Promise<void> }

/** The production server on a fresh embedded database, as `npm start` runs it. */
export async function startApp(): Promise<AppServer> {
	ensureBuild(() => {})
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-e2e-'))
	const port = await freePort()
	const started = startScript(['scripts/start.ts'], { DATA_DIR: dataDir, PORT: String(port) })
	await waitForListening(started)
	return {
		url: `http://127.0.0.1:${port}`,
		dataDir,
		process: started,
		async stop() {
			await stopScript(started)
			fs.rmSync(dataDir, { recursive: true, force: true })
		},
	}
}
