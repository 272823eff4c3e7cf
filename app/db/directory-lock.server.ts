import fs from 'node:fs'
import path from 'node:path'

// PGlite is a single-process database: a second process opening the same directory
// corrupts it. A pid file makes the second one stop with an explanation instead.

function isAlive(pid: number) {
	try {
		process.kill(pid, 0)
		return true
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM'
	}
}

export function lockDirectory(directory: string): () => void {
	fs.mkdirSync(directory, { recursive: true })
	const file = path.join(directory, 'lorica.pid')
	const holder = Number.parseInt(fs.readFileSync(file, { encoding: 'utf8', flag: 'a+' }).trim(), 10)
	if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder))
		throw new Error(
			`The embedded database in ${directory} is in use by process ${holder}; stop that process first (PGlite allows one process at a time)`,
		)
	fs.writeFileSync(file, String(process.pid))
	return () => {
		const current = fs.readFileSync(file, { encoding: 'utf8', flag: 'a+' }).trim()
		if (current === String(process.pid)) fs.rmSync(file, { force: true })
	}
}
