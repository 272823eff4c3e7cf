import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { exitWith, runCommand } from './lib/config.ts'
import { withConfiguredDatabase } from './lib/database.ts'
import { MIGRATIONS, ROOT, SCHEMA } from './lib/paths.ts'

// npm run db:* — migrations without Prisma's native schema engine.
// docs/decisions/0002-prisma-without-native-engines.md

const USAGE = `Usage: npm run db:<command>
  db:generate        generate the Prisma client into app/generated/prisma
  db:migrate         apply pending migrations to the configured database
  db:status          list applied and pending migrations
  db:new -- <name>   create a migration from the difference between schema.prisma and the migrations
  db:check           fail when schema.prisma and the migrations disagree
  db:seed            add the demo accounts and orders (idempotent)`

const progress = (message: string) => process.stdout.write(`  ${message}\n`)

function generate() {
	// `prisma generate` never runs the schema engine but insists on finding one; any
	// executable satisfies the check, so point it at node itself instead of downloading.
	const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/prisma/build/index.js'), 'generate'], {
		cwd: ROOT,
		stdio: ['ignore', 'pipe', 'inherit'],
		env: {
			...process.env,
			PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
			CHECKPOINT_DISABLE: '1',
			PRISMA_HIDE_UPDATE_MESSAGE: '1',
		},
	})
	if (result.status !== 0) exitWith('prisma generate failed (see above)')
	process.stdout.write('Prisma client generated in app/generated/prisma\n')
}

async function migrate() {
	const { applyMigrations } = await import('#app/db/migrations.server.ts')
	const applied = await withConfiguredDatabase((database) => applyMigrations(database, MIGRATIONS, progress))
	process.stdout.write(applied.length ? `Applied ${applied.length} migration(s).\n` : 'Database is up to date.\n')
}

async function status() {
	const { migrationStatus } = await import('#app/db/migrations.server.ts')
	const result = await withConfiguredDatabase((database) => migrationStatus(database, MIGRATIONS))
	for (const name of result.applied) process.stdout.write(`  applied  ${name}\n`)
	for (const migration of result.pending) process.stdout.write(`  pending  ${migration.name}\n`)
	process.stdout.write(`${result.applied.length} applied, ${result.pending.length} pending\n`)
}

async function seed() {
	const { migrationStatus } = await import('#app/db/migrations.server.ts')
	const { seedDemo } = await import('#prisma/seed.ts')
	await withConfiguredDatabase(async (database) => {
		const { pending } = await migrationStatus(database, MIGRATIONS)
		if (pending.length) throw new Error(`${pending.length} migration(s) pending: run npm run db:migrate first`)
		const result = await seedDemo(database.prisma, progress)
		process.stdout.write(`Demo data present: ${result.accounts} accounts, ${result.orders} orders.\n`)
	})
}

function timestamp(date = new Date()) {
	return date.toISOString().replace(/[-:T]/g, '').slice(0, 14)
}

async function create(name: string | undefined) {
	if (!name || !/^[a-z][a-z0-9_]{0,60}$/.test(name))
		throw new Error('Give the migration a snake_case name: npm run db:new -- add_consent_events')
	const { diffMigrationsToSchema } = await import('./lib/schema-engine.ts')
	process.stdout.write('Comparing prisma/migrations with schema.prisma (in-memory shadow database)…\n')
	const diff = await diffMigrationsToSchema(SCHEMA, MIGRATIONS)
	if (!diff.changed) {
		process.stdout.write('schema.prisma and the migrations agree; no migration created.\n')
		return
	}
	const directory = path.join(MIGRATIONS, `${timestamp()}_${name}`)
	fs.mkdirSync(directory, { recursive: true })
	fs.writeFileSync(path.join(directory, 'migration.sql'), diff.script)
	process.stdout.write(`${diff.summary.trim()}\n\nCreated ${path.relative(ROOT, directory)}/migration.sql — review it, then npm run db:migrate\n`)
}

async function check() {
	const { diffMigrationsToSchema } = await import('./lib/schema-engine.ts')
	const diff = await diffMigrationsToSchema(SCHEMA, MIGRATIONS)
	if (diff.changed) {
		process.stderr.write(`schema.prisma has changes no migration covers:\n${diff.summary.trim()}\nCreate one with: npm run db:new -- <name>\n`)
		process.exit(1)
	}
	process.stdout.write('schema.prisma and prisma/migrations agree.\n')
}

const [, ...args] = process.argv.slice(2)
const commands: Record<string, () => unknown> = {
	generate,
	migrate,
	status,
	seed,
	new: () => create(args[0]),
	check,
}

await runCommand(commands, USAGE)
