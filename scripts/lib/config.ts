import fs from 'node:fs'
import path from 'node:path'
import { EnvError, parseEnv, type Env } from '#app/utils/env.server.ts'
import { configureLogger } from '#app/utils/logger.server.ts'
import { ROOT } from './paths.ts'

/** Loads .env (if present) and validates it; a bad value ends the process with one line per problem. */
export function loadConfigOrExit(): Env {
	const dotenv = path.join(ROOT, '.env')
	if (fs.existsSync(dotenv)) process.loadEnvFile(dotenv)
	try {
		const env = parseEnv()
		configureLogger({ level: env.LOG_LEVEL })
		return env
	} catch (error) {
		if (!(error instanceof EnvError)) throw error
		for (const problem of error.problems) process.stderr.write(`Invalid configuration: ${problem}\n`)
		process.stderr.write('See .env.example for every variable and its format.\n')
		process.exit(1)
	}
}

/** Prints a failure as one line and exits; stack traces only with DEBUG set. */
export function exitWith(error: unknown): never {
	const message = error instanceof Error ? error.message : String(error)
	process.stderr.write(`Error: ${message}\n`)
	if (process.env.DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`)
	process.exit(1)
}

/** Runs the subcommand named by the first argument; usage (exit 2) when there is none such. */
export async function runCommand(commands: Record<string, () => unknown>, usage: string) {
	const [command] = process.argv.slice(2)
	const run = command ? commands[command] : undefined
	if (!run) {
		process.stderr.write(`${usage}\n`)
		process.exit(2)
	}
	try {
		await run()
	} catch (error) {
		exitWith(error)
	}
}
