import type { Browser } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { launchBrowser, startApp, type AppServer } from './browser.ts'

/** One server on a fresh embedded database and one browser for the file's journeys. */
export function useAppAndBrowser() {
	const handle = {} as { app: AppServer; browser: Browser }
	beforeAll(async () => {
		;[handle.app, handle.browser] = await Promise.all([startApp(), launchBrowser()])
	})
	afterAll(async () => {
		await handle.browser?.close()
		await handle.app?.stop()
	})
	return handle
}
