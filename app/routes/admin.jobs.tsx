import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod/v4'
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { backOfficeLinks } from '#app/auth/back-office.server.ts'
import { can } from '#app/auth/permissions.ts'
import { requirePermission } from '#app/auth/require.server.ts'
import { BackOfficeNav } from '#app/components/back-office-nav.tsx'
import { ActionMessages } from '#app/components/forms.tsx'
import { jobsOverview, retryFailedJob } from '#app/jobs/dashboard.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { formatMoment } from '#app/utils/format.ts'
import { readForm } from '#app/utils/request-body.server.ts'

export const meta: MetaFunction = () => [{ title: 'Jobs — Lorica back office' }]

const RetrySchema = z.object({
	queue: z.string({ error: 'Name the queue of the job to retry' }).trim().min(1, 'Name the queue of the job to retry').max(100),
	jobId: z.uuid({ error: 'This is not a job id' }),
})

export async function loader({ request }: LoaderFunctionArgs) {
	const session = await requirePermission(request, 'read:job:any')
	return { links: backOfficeLinks(session.user.role), canRetry: can(session.user.role, 'update:job:any'), now: new Date().toISOString(), ...(await jobsOverview()) }
}

export async function action({ request }: ActionFunctionArgs) {
	const session = await requirePermission(request, 'update:job:any')
	const submission = parseWithZod(await readForm(request), { schema: RetrySchema })
	if (submission.status !== 'success') return data({ result: submission.reply(), message: null }, { status: 422 })
	try {
		await retryFailedJob({ id: session.user.id, role: session.user.role }, submission.value.queue, submission.value.jobId)
		return data({ result: submission.reply({ resetForm: true }), message: `Job ${submission.value.jobId} of ${submission.value.queue} is queued again.` })
	} catch (error) {
		if (!(error instanceof UserFacingError)) throw error
		return data({ result: submission.reply({ formErrors: [error.message] }), message: null }, { status: error.status })
	}
}

function duration(ms: number | null) {
	if (ms === null) return '—'
	return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}

function RetryButton({ queue, jobId }: { queue: string; jobId: string }) {
	const [form] = useForm({ id: `retry-${jobId}` })
	return (
		<Form method="post" {...getFormProps(form)}>
			<input type="hidden" name="queue" value={queue} />
			<input type="hidden" name="jobId" value={jobId} />
			<button className="button" type="submit">
				Retry
			</button>
		</Form>
	)
}

export default function Jobs() {
	const { links, canRetry, now, queues, recent, failed, schedules } = useLoaderData<typeof loader>()
	const when = (iso: string | null, none: string) => (iso ? <time dateTime={iso}>{formatMoment(iso, now)}</time> : none)
	const actionData = useActionData<typeof action>()
	const formErrors = actionData?.result && 'error' in actionData.result ? actionData.result.error?.[''] : null
	return (
		<section className="page stack" aria-labelledby="jobs-title">
			<div>
				<p className="eyebrow">Back office</p>
				<h1 id="jobs-title">Jobs</h1>
				<BackOfficeNav links={links} />
			</div>
			<ActionMessages message={actionData?.message} />
			{formErrors?.length ? (
				<p className="form-error" role="alert">
					{formErrors.join(' ')}
				</p>
			) : null}
			<h2>Queues</h2>
			<table>
				<thead>
					<tr>
						<th scope="col">Queue</th>
						<th scope="col">Waiting</th>
						<th scope="col">Retrying</th>
						<th scope="col">Running</th>
						<th scope="col">Completed</th>
						<th scope="col">Failed</th>
					</tr>
				</thead>
				<tbody>
					{queues.map((queue) => (
						<tr key={queue.name}>
							<th scope="row">{queue.name}</th>
							<td>{queue.states.created}</td>
							<td>{queue.states.retry}</td>
							<td>{queue.states.active}</td>
							<td>{queue.states.completed}</td>
							<td>{queue.states.failed}</td>
						</tr>
					))}
				</tbody>
			</table>
			<h2>Schedules</h2>
			<table>
				<thead>
					<tr>
						<th scope="col">Job</th>
						<th scope="col">Cron</th>
						<th scope="col">Time zone</th>
						<th scope="col">Next fire</th>
						<th scope="col">Last fire</th>
					</tr>
				</thead>
				<tbody>
					{schedules.map((schedule) => (
						<tr key={schedule.name}>
							<th scope="row" title={schedule.what}>
								{schedule.name}
							</th>
							<td>
								<code>{schedule.off ? 'off' : schedule.cron}</code>
								{schedule.configured ? ' (configured)' : ''}
							</td>
							<td>{schedule.timezone}</td>
							<td>{when(schedule.next, '—')}</td>
							<td>{when(schedule.lastFire, 'never')}</td>
						</tr>
					))}
				</tbody>
			</table>
			<h2>Failed jobs</h2>
			{failed.length ? (
				<table>
					<thead>
						<tr>
							<th scope="col">Queue</th>
							<th scope="col">Job</th>
							<th scope="col">Attempts</th>
							<th scope="col">Failed at</th>
							<th scope="col">Error</th>
							{canRetry ? <th scope="col">Action</th> : null}
						</tr>
					</thead>
					<tbody>
						{failed.map((job) => (
							<tr key={job.id}>
								<td>{job.queue}</td>
								<td>
									<code>{job.id}</code>
								</td>
								<td>{job.attempts}</td>
								<td>{when(job.finishedAt, '—')}</td>
								<td>{job.error ?? '—'}</td>
								{canRetry ? (
									<td>
										<RetryButton queue={job.queue} jobId={job.id} />
									</td>
								) : null}
							</tr>
						))}
					</tbody>
				</table>
			) : (
				<p>No failed jobs in the last week.</p>
			)}
			<h2>Last runs</h2>
			{recent.length ? (
				<table>
					<thead>
						<tr>
							<th scope="col">Queue</th>
							<th scope="col">Outcome</th>
							<th scope="col">Attempts</th>
							<th scope="col">Finished</th>
							<th scope="col">Duration</th>
						</tr>
					</thead>
					<tbody>
						{recent.map((job) => (
							<tr key={job.id}>
								<td>{job.queue}</td>
								<td>{job.state}</td>
								<td>{job.attempts}</td>
								<td>{when(job.finishedAt, '—')}</td>
								<td>{duration(job.ms)}</td>
							</tr>
						))}
					</tbody>
				</table>
			) : (
				<p>No job has finished yet.</p>
			)}
		</section>
	)
}
