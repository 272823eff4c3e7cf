// One JSON line per event. Values pass through redact() so an e-mail address that
// slips into a message or field never reaches the log in clear.

type Level = 'debug' | 'info' | 'warn' | 'error'
const ORDER: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-])[A-Za-z0-9.-]*\.([A-Za-z]{2,})/g

export function maskEmail(text: string): string {
	return text.replace(EMAIL, '$1***@$2***.$3')
}

function redact(value: unknown, depth = 0): unknown {
	if (typeof value === 'string') return maskEmail(value)
	if (value instanceof Error) return { name: value.name, message: maskEmail(value.message) }
	if (depth > 4 || value === null || typeof value !== 'object') return value
	if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1))
	return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redact(item, depth + 1)]))
}

export type LogSink = (line: string) => void

let sink: LogSink = (line) => process.stdout.write(`${line}\n`)
let threshold = ORDER[(process.env.LOG_LEVEL as Level | undefined) ?? 'info'] ?? ORDER.info

export function configureLogger(options: { level?: Level | 'silent'; sink?: LogSink }) {
	if (options.level) threshold = ORDER[options.level]
	if (options.sink) sink = options.sink
}

function write(level: Level, msg: string, fields: Record<string, unknown> = {}) {
	if (ORDER[level] < threshold) return
	const entry = { time: new Date().toISOString(), level, msg: maskEmail(msg), ...(redact(fields) as object) }
	sink(JSON.stringify(entry))
}

export const log = {
	debug: (msg: string, fields?: Record<string, unknown>) => write('debug', msg, fields),
	info: (msg: string, fields?: Record<string, unknown>) => write('info', msg, fields),
	warn: (msg: string, fields?: Record<string, unknown>) => write('warn', msg, fields),
	error: (msg: string, fields?: Record<string, unknown>) => write('error', msg, fields),
}
