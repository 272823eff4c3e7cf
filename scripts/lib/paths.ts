import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const SCHEMA = path.join(ROOT, 'prisma/schema.prisma')
export const MIGRATIONS = path.join(ROOT, 'prisma/migrations')
export const SERVER_BUILD = path.join(ROOT, 'build/server/index.js')
