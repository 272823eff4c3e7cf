import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils'
import type * as Engine from '@prisma/schema-engine-wasm'
import { PrismaPGlite } from 'pglite-prisma-adapter'
import { readMigrations } from '#app/db/migrations.server.ts'

// Prisma's schema engine compiled to WebAssembly, instantiated by hand so that no
// --experimental-wasm-modules flag is needed; it only ever diffs, on in-memory PGlite
// databases. docs/decisions/0002-prisma-without-native-engines.md

let loaded: Promise<typeof Engine> | undefined

/** The glue keeps module-level state, so the WebAssembly instance is created once per process. */
function loadEngineModule(): Promise<typeof Engine> {
	loaded ??= instantiateEngine()
	return loaded
}

async function instantiateEngine(): Promise<typeof Engine> {
	const require = createRequire(import.meta.url)
	const bindingsPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')
	const bindings = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as typeof Engine & {
		__wbg_set_wasm(exports: WebAssembly.Exports): void
	}
	const bytes = fs.readFileSync(path.join(path.dirname(bindingsPath), 'schema_engine_bg.wasm'))
	const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': bindings as never })
	bindings.__wbg_set_wasm(instance.exports)
	;(instance.exports.__wbindgen_start as () => void)()
	return bindings
}

/** pglite-prisma-adapter fires scripts without awaiting them; a failing shadow migration must surface. */
function awaitedScripts(factory: PrismaPGlite) {
	const wrap = <A extends { executeScript(script: string): Promise<void> }>(adapter: A) => {
		const client = (adapter as unknown as { client: PGlite }).client
		const onError = (adapter as unknown as { onError(error: unknown): never }).onError.bind(adapter)
		adapter.executeScript = async (script) => {
			try {
				await client.exec(script)
			} catch (error) {
				onError(error)
			}
		}
		return adapter
	}
	return {
		provider: factory.provider,
		adapterName: factory.adapterName,
		connect: async () => wrap(await factory.connect()),
		connectToShadowDb: async () => wrap(await factory.connectToShadowDb()),
	}
}

function migrationList(migrationsDir: string): Engine.MigrationList {
	const lockPath = path.join(migrationsDir, 'migration_lock.toml')
	return {
		baseDir: migrationsDir,
		lockfile: { path: 'migration_lock.toml', content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, 'utf8') : null },
		shadowDbInitScript: '',
		migrationDirectories: readMigrations(migrationsDir).map((migration) => ({
			path: migration.name,
			migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: migration.sql } },
		})),
	}
}

const NO_FILTERS = { externalTables: [], externalEnums: [] }

/**
 * Prisma's own `migrate deploy` logic run against a database; our applier's records must
 * satisfy it. Used by the compatibility test, not by the product.
 */
export async function prismaApplyMigrations(
	target: { url: string } | { pglite: PGlite },
	schemaPath: string,
	migrationsDir: string,
): Promise<string[]> {
	const engineModule = await loadEngineModule()
	const schema = fs.readFileSync(schemaPath, 'utf8')
	const adapter =
		'url' in target
			? new (await import('@prisma/adapter-pg')).PrismaPg({ connectionString: target.url })
			: awaitedScripts(new PrismaPGlite(target.pglite))
	const factory = bindMigrationAwareSqlAdapterFactory(adapter as never)
	const engine = await engineModule.SchemaEngine.new({ datamodels: [[path.basename(schemaPath), schema]] }, () => {}, factory)
	try {
		const result = await engine.applyMigrations({ migrationsList: migrationList(migrationsDir), filters: NO_FILTERS })
		return result.appliedMigrationNames
	} finally {
		engine.free()
	}
}

export type SchemaDiff = { changed: boolean; script: string; summary: string }

/** What SQL would take a database at the end of `migrationsDir` to `schemaPath`. */
export async function diffMigrationsToSchema(schemaPath: string, migrationsDir: string): Promise<SchemaDiff> {
	const engineModule = await loadEngineModule()
	const schema = { path: path.basename(schemaPath), content: fs.readFileSync(schemaPath, 'utf8') }
	const from: Engine.DiffTarget = { tag: 'migrations', ...migrationList(migrationsDir) }
	const to: Engine.DiffTarget = { tag: 'schemaDatamodel', files: [schema] }
	const pglite = new PGlite()
	const factory = bindMigrationAwareSqlAdapterFactory(awaitedScripts(new PrismaPGlite(pglite)) as never)
	const engine = await engineModule.SchemaEngine.new({ datamodels: [[schema.path, schema.content]] }, () => {}, factory)
	try {
		const script = await engine.diff({ from, to, script: true, exitCode: true, filters: NO_FILTERS })
		const summary = await engine.diff({ from, to, script: false, exitCode: false, filters: NO_FILTERS })
		return { changed: script.exitCode === 2, script: script.stdout ?? '', summary: summary.stdout ?? '' }
	} finally {
		engine.free()
		await pglite.close()
	}
}
