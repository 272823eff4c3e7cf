import { configureLogger } from '#app/utils/logger.server.ts'
import { benchAuditAppend } from './audit-append.ts'
import { benchCoins } from './coins.ts'
import { benchTestDatabases } from './test-databases.ts'
import { benchUploads } from './uploads.ts'

configureLogger({ level: 'silent' })
await benchTestDatabases()
await benchAuditAppend()
await benchCoins()
await benchUploads()
