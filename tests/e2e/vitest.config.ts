import { defineConfig } from 'vitest/config'

// Browser journeys in Debian's Chromium against the production server (npm run test:e2e).
export default defineConfig({
	test: {
		root: new URL('../..', import.meta.url).pathname,
		include: ['tests/e2e/**/*.e2e.ts'],
		globalSetup: ['tests/setup/node-version.ts'],
		setupFiles: ['tests/setup/per-file.ts'],
		pool: 'forks',
		fileParallelism: false,
		testTimeout: 60_000,
		hookTimeout: 120_000,
	},
})
