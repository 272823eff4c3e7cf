import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { configureLogger } from '#app/utils/logger.server.ts'

// Tests assert on behaviour, not on log output; LOG_LEVEL=debug shows it when needed.
configureLogger({ level: (process.env.LOG_LEVEL as 'debug' | undefined) ?? 'silent' })

// Every test file gets its own data directory (mail outbox, generated files) and a fixed
// signing secret, so nothing leaks between files or into the developer's .data/.
process.env.NODE_ENV = 'test'
process.env.DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-test-data-'))
process.env.SESSION_SECRET = 'test-session-secret-0123456789abcdef0123456789'
process.env.APP_URL = 'http://lorica.test'
delete process.env.SMTP_URL
