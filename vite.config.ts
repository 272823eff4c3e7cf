import { vitePlugin as remix } from '@remix-run/dev'
import { defineConfig } from 'vite'

declare module '@remix-run/node' {
	interface Future {
		v3_singleFetch: true
	}
}

export default defineConfig({
	build: { target: 'es2022', cssMinify: true },
	server: { watch: { ignored: ['**/.data/**', '**/tests/**'] } },
	plugins: [
		remix({
			ignoredRouteFiles: ['**/*.test.*', '**/.*'],
			future: {
				v3_fetcherPersist: true,
				v3_relativeSplatPath: true,
				v3_throwAbortReason: true,
				v3_singleFetch: true,
				v3_lazyRouteDiscovery: true,
			},
		}),
	],
})
