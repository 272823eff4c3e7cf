import path from 'node:path'
import type { Server } from 'node:http'
import { exitWith, loadConfigOrExit } from './lib/config.ts'
import { ensureBuild } from './lib/build.ts'
import { MIGRATIONS, ROOT, SERVER_BUILD } from './lib/paths.ts'

// `npm start` (production) and `npm run dev` (--dev): validate configuration, open and
// migrate the database, seed the demo on a first embedded start, build if needed, serve.

const dev = process.argv.includes('--dev')
process.env.NODE_ENV ??= dev ? 'development' : 'production'
const env = loadConfigOrExit()

const { log } = await import('#app/utils/logger.server.ts')
const { explainDatabaseError, openConfiguredDatabase } = await import('#app/db/database.server.ts')
const { setDatabase } = await import('#app/db/db.server.ts')
const { applyMigrations } = await import('#app/db/migrations.server.ts')
const { seedDemo } = await import('#prisma/seed.ts')
const { describeRefusals, isRefused, planPublication, publishPolicies } = await import('#app/policies/publish.server.ts')
const { createHttpApp } = await import('#app/server/http.server.ts')
const { sessionSecrets } = await import('#app/auth/secrets.server.ts')
const { startScheduler } = await import('../jobs/scheduler.ts')
const { exposureWarning, setListeningAddress, trustedOrigin } = await import('#app/utils/trusted-origin.server.ts')

const progress = (msg: string) => log.info(msg, { phase: 'boot' })

let opened: ReturnType<typeof openConfiguredDatabase>
try {
	// Before touching the database: a deployment without its signing secret must not start.
	sessionSecrets()
	opened = openConfiguredDatabase(env)
} catch (error) {
	exitWith(error)
}
const { database, fresh } = opened
let server: Server | undefined

/**
 * A fresh embedded database publishes the repository's policies, so the demo's sign-up
 * works at once. Anywhere else publishing is a deliberate act (npm run policies:publish or
 * the back office): the boot only says what is waiting, and never fails over it.
 */
async function publishOrReportPolicies(isFresh: boolean) {
	try {
		if (isFresh) {
			const published = await publishPolicies(database.prisma, null, progress)
			progress(`published ${published.length} policy version(s)`)
			return
		}
		const plan = await planPublication(database.prisma)
		const waiting = plan.filter((entry) => entry.status === 'new')
		const refused = plan.filter(isRefused)
		const problems = [
			waiting.length
				? `${waiting.length} policy file(s) not published yet (${waiting.map((entry) => entry.file).join(', ')}): run npm run policies:publish`
				: '',
			refused.length ? `refused policy change(s): ${describeRefusals(refused)}` : '',
		].filter(Boolean)
		if (problems.length) log.warn(problems.join('; '), { phase: 'boot' })
	} catch (error) {
		log.warn(`policies not ${isFresh ? 'published' : 'checked'}: ${error instanceof Error ? error.message : String(error)}`, { phase: 'boot' })
	}
}

let stopScheduler = () => {}

async function shutdown(signal: string) {
	log.info('shutting down', { signal })
	stopScheduler()
	const force = setTimeout(() => process.exit(1), 10_000).unref()
	await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
	await database.close()
	clearTimeout(force)
	process.exit(0)
}

try {
	progress(env.DATABASE_URL ? 'database: PostgreSQL' : `database: embedded PGlite in ${env.DATA_DIR}/pglite${fresh ? ' (new)' : ''}`)
	if (env.MIGRATE_ON_START === 'true') {
		const applied = await applyMigrations(database, MIGRATIONS, progress)
		progress(applied.length ? `applied ${applied.length} migration(s)` : 'migrations up to date')
	}
	if (env.SEED_DEMO === 'true' || (env.SEED_DEMO === 'auto' && fresh)) await seedDemo(database.prisma, progress)
	await publishOrReportPolicies(fresh)
	setDatabase(database)

	let app
	if (dev) {
		const { createServer } = await import('vite')
		const vite = await createServer({ root: ROOT, server: { middlewareMode: true } })
		app = createHttpApp({ mode: 'development', vite, appUrl: env.APP_URL, trustProxy: env.TRUST_PROXY })
	} else {
		ensureBuild(progress)
		const build = await import(SERVER_BUILD)
		app = createHttpApp({ mode: 'production', build, clientDirectory: path.join(ROOT, 'build/client'), appUrl: env.APP_URL, trustProxy: env.TRUST_PROXY })
	}

	const exposed = exposureWarning(env)
	if (exposed) log.warn(exposed, { phase: 'boot' })
	server = app.listen(env.PORT, env.HOST)
	await new Promise<void>((resolve, reject) => {
		server!.once('listening', resolve)
		server!.once('error', (error: NodeJS.ErrnoException) =>
			reject(error.code === 'EADDRINUSE' ? new Error(`port ${env.PORT} is already in use; set PORT to a free port`) : error),
		)
	})
	// Without APP_URL, links and the Host check use the address actually listened on.
	setListeningAddress(server.address())
	log.info('listening', { url: trustedOrigin(), host: env.HOST, mode: dev ? 'development' : 'production' })
	stopScheduler = startScheduler()
	process.once('SIGINT', () => void shutdown('SIGINT'))
	process.once('SIGTERM', () => void shutdown('SIGTERM'))
} catch (error) {
	await database.close().catch(() => {})
	exitWith(explainDatabaseError(error, env))
}
