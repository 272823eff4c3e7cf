// `npm run worker`: a process that runs jobs and fires the schedules, without the web
// server; any number of them may run against one PostgreSQL. PROCESS_ROLES may narrow it
// to `worker` or `scheduler`; it never serves web requests.

process.env.PROCESS_ROLES ||= 'worker,scheduler'
if (process.env.PROCESS_ROLES.split(',').some((role) => role.trim() === 'web')) {
	process.stderr.write('Invalid configuration: npm run worker never serves web requests; drop web from PROCESS_ROLES (or use npm start)\n')
	process.exit(1)
}
await import('./start.ts')

export {}
