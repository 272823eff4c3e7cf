import { defineConfig } from 'prisma/config'

// Only `prisma generate` reads this; migrations run through scripts/db.ts.
export default defineConfig({
	schema: 'prisma/schema.prisma',
	migrations: { path: 'prisma/migrations' },
})
