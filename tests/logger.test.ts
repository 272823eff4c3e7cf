import { afterEach, describe, expect, test } from 'vitest'
import { configureLogger, log, maskEmail } from '#app/utils/logger.server.ts'
import { runLogged } from '#app/jobs/run-logged.server.ts'

const lines: string[] = []
function capture() {
	lines.length = 0
	configureLogger({ level: 'debug', sink: (line) => lines.push(line) })
}
afterEach(() => configureLogger({ level: 'silent' }))

describe('structured logging', () => {
	test('masks e-mail addresses wherever they appear', () => {
		expect(maskEmail('sent to jane.doe@example.org and bob@mail.co.uk')).toBe('sent to j***@e***.org and b***@m***.uk')
	})

	test('writes one JSON object per line and masks e-mails in messages, fields, arrays and errors', () => {
		capture()
		log.warn('login for jane.doe@example.org', {
			user: { email: 'jane.doe@example.org' },
			list: ['x@y.io'],
			error: new Error('no mailbox jane.doe@example.org'),
		})
		expect(lines).toHaveLength(1)
		const entry = JSON.parse(lines[0]!)
		expect(entry).toMatchObject({ level: 'warn', msg: 'login for j***@e***.org', user: { email: 'j***@e***.org' }, list: ['x***@y***.io'] })
		expect(entry.error).toEqual({ name: 'Error', message: 'no mailbox j***@e***.org' })
		expect(lines[0]).not.toContain('jane.doe')
	})

	test('respects the level threshold', () => {
		capture()
		configureLogger({ level: 'warn' })
		log.info('quiet')
		log.error('loud')
		expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['loud'])
	})

	test('a job run writes exactly one line, with its outcome and duration', async () => {
		capture()
		const ok = await runLogged('demo-job', async () => 42)
		const failed = await runLogged('demo-job', async () => {
			throw new Error('provider down')
		})
		expect(ok).toEqual({ ok: true, result: 42 })
		expect(failed.ok).toBe(false)
		const entries = lines.map((line) => JSON.parse(line))
		expect(entries).toHaveLength(2)
		expect(entries[0]).toMatchObject({ msg: 'job', job: 'demo-job', status: 'succeeded', level: 'info' })
		expect(entries[1]).toMatchObject({ msg: 'job', job: 'demo-job', status: 'failed', level: 'error', error: { message: 'provider down' } })
		expect(typeof entries[1].ms).toBe('number')
	})
})
