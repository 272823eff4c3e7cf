import { configureLogger } from '#app/utils/logger.server.ts'
import { benchAuditAppend } from './audit-append.ts'
import { benchTestDatabases } from './test-databases.ts'

configureLogger({ level: 'silent' })
await benchTestDatabases()
await benchAuditAppend()
