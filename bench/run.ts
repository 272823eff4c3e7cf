import { configureLogger } from '#app/utils/logger.server.ts'
import { benchAuditAppend } from './audit-append.ts'
import { benchCoins } from './coins.ts'
import { benchQueue } from './queue.ts'
import { benchTestDatabases } from './test-databases.ts'
import { benchUploads } from './uploads.ts'

// npm run bench runs every benchmark; npm run bench -- <name> runs one.

const BENCHES: Record<string, () => Promise<void>> = {
	'test-databases': benchTestDatabases,
	audit: benchAuditAppend,
	coins: benchCoins,
	uploads: benchUploads,
	queue: benchQueue,
}

configureLogger({ level: 'silent' })
const only = process.argv.slice(2)
const unknown = only.filter((name) => !BENCHES[name])
if (unknown.length) {
	process.stderr.write(`Unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`)
	process.exit(2)
}
for (const name of only.length ? only : Object.keys(BENCHES)) await BENCHES[name]!()
