import { prisma } from '#app/db/db.server.ts'
import { sendMailOnce } from '#app/mail/receipts.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import type { JobContext } from './definition.ts'

// A job that failed its last attempt reaches the `job-failed-alert` queue once (pg-boss's
// dead-letter move), and this tells every admin, once per admin however often it retries.

function errorText(output: unknown) {
	if (output && typeof output === 'object' && 'message' in output && typeof output.message === 'string') return output.message
	return output ? JSON.stringify(output) : 'no error recorded'
}

export async function alertAdminsOfFailedJob(context: JobContext) {
	const job = context.job
	if (!job?.sourceName || !job.sourceId) throw new Error('job-failed-alert needs the dead-letter metadata of the failed job')
	const admins = await prisma.user.findMany({ where: { role: 'admin' }, select: { id: true, email: true } })
	const page = new URL('/admin/jobs', getEnv().APP_URL ?? `http://localhost:${getEnv().PORT}`).toString()
	let sent = 0
	for (const admin of admins) {
		const outcome = await sendMailOnce(`job-failed:${job.id}:${admin.id}`, {
			to: admin.email,
			category: 'transactional',
			subject: `Lorica job ${job.sourceName} failed for good`,
			text: [
				`The job ${job.sourceName} (id ${job.sourceId}) failed its last attempt and will not run again by itself.`,
				'',
				`Error: ${errorText(job.sourceOutput).slice(0, 500)}`,
				'',
				`See it and retry it on ${page}`,
			].join('\n'),
		})
		if (outcome === 'sent') sent++
	}
	return { admins: admins.length, sent }
}
