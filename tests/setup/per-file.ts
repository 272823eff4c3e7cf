import { configureLogger } from '#app/utils/logger.server.ts'

// Tests assert on behaviour, not on log output; LOG_LEVEL=debug shows it when needed.
configureLogger({ level: (process.env.LOG_LEVEL as 'debug' | undefined) ?? 'silent' })
