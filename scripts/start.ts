import path from 'node:path'
import type { Server } from 'node:http'
import { exitWith, loadConfigOrExit } from './lib/config.ts'
import { ensureBuild } from './lib/build.ts'
import { MIGRATIONS, ROOT, SERVER_BUILD } from './lib/paths.ts'

// `npm start` (production) and `npm run dev` (--dev): validate configuration, open and
// migrate the database, seed the demo on a first embedded start, then run the roles in
// PROCESS_ROLES: web (build if needed, serve), worker (run jobs), scheduler (fire the
// schedules). `npm run worker` is this script without the web role.

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
const { exposureWarning, setListeningAddress, trustedOrigin } = await import('#app/utils/trusted-origin.server.ts')
const { installQueues, startQueue, stopQueue } = await import('#app/jobs/queue.server.ts')
const { queueSpec, startWorkers } = await import('#app/jobs/worker.server.ts')
const { startScheduler } = await import('#app/jobs/scheduler.server.ts')
const { JOBS } = await import('../jobs/registry.ts')

const roles = new Set(env.PROCESS_ROLES)

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

let stopScheduler = async () => {}

/**
 * Stops firing schedules and taking requests and jobs; requests and running jobs get
 * JOB_SHUTDOWN_TIMEOUT_SECONDS to finish; a job still running then is failed back to the
 * queue by pg-boss and retried by another worker (or this one's next start). A process
 * killed outright leaves its jobs active until their expiry, then they are retried.
 */
async function shutdown(signal: string) {
	log.info('shutting down', { signal })
	const graceMs = env.JOB_SHUTDOWN_TIMEOUT_SECONDS * 1000
	const force = setTimeout(() => process.exit(1), graceMs + 10_000).unref()
	await stopScheduler().catch(() => {})
	await Promise.all([
		new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined))),
		stopQueue(database, graceMs).catch((error) => log.error('job queue did not stop cleanly', { error: error instanceof Error ? error.message : String(error) })),
	])
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
	process.once('SIGINT', () => void shutdown('SIGINT'))
	process.once('SIGTERM', () => void shutdown('SIGTERM'))

	await installQueues(database, JOBS.map(queueSpec))
	// Every role drains the job outbox; workers also supervise (expire jobs whose worker died).
	const boss = await startQueue(database, { supervise: roles.has('worker') })
	progress(`roles: ${[...roles].join(', ')}`)
	if (roles.has('web')) await serve()
	if (roles.has('worker')) {
		await startWorkers(boss, JOBS)
		log.info('worker started', { queues: JOBS.length })
	}
	if (roles.has('scheduler')) stopScheduler = await startScheduler(database, boss)
} catch (error) {
	await stopQueue(database).catch(() => {})
	await database.close().catch(() => {})
	exitWith(explainDatabaseError(error, env))
}

async function serve() {
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
}
