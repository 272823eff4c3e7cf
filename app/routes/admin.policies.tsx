import { parseWithZod } from '@conform-to/zod/v4'
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { BackOfficeNav } from '#app/components/back-office-nav.tsx'
import { backOfficeLinks } from '#app/auth/back-office.server.ts'
import { requirePermission, requireRecentVerification } from '#app/auth/require.server.ts'
import { prisma } from '#app/db/db.server.ts'
import { day } from '#app/policies/pages.server.ts'
import { queuePolicyNotices } from '#app/policies/notices.server.ts'
import { isRefused, planPublication, publishPolicies, type PlanStatus } from '#app/policies/publish.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { readForm } from '#app/utils/request-body.server.ts'

const PublishSchema = z.object({ intent: z.literal('publish', { error: 'Use the Publish button to publish.' }) })

const STATUS_LABELS: Record<PlanStatus, string> = {
	new: 'new',
	unchanged: 'published',
	changed: 'refused: changed',
	'missing-file': 'refused: file missing',
}

export const meta: MetaFunction = () => [{ title: 'Policies — Lorica back office' }]

// Publishing is the DPO's: support may read the back office but not see or act on this page.
export async function loader({ request }: LoaderFunctionArgs) {
	const session = await requirePermission(request, 'update:policy:any')
	let planError: string | null = null
	let entries: { kind: string; version: string; file: string; status: PlanStatus; refused: boolean; reason: string; effective: string }[] = []
	try {
		entries = (await planPublication(prisma)).map((entry) => ({
			kind: entry.kind,
			version: entry.version,
			file: entry.file,
			status: entry.status,
			refused: isRefused(entry),
			reason: entry.reason,
			effective: day(entry.effectiveAt),
		}))
	} catch (error) {
		if (!(error instanceof UserFacingError)) throw error
		planError = error.message
	}
	return {
		links: backOfficeLinks(session.user.role),
		entries,
		planError,
		pending: entries.filter((entry) => entry.status === 'new').length,
		refused: entries.filter((entry) => entry.refused).length,
	}
}

export async function action({ request }: ActionFunctionArgs) {
	const session = await requirePermission(request, 'update:policy:any')
	requireRecentVerification(request, session)
	const submission = parseWithZod(await readForm(request), { schema: PublishSchema })
	if (submission.status !== 'success') return data({ ok: false, message: 'Use the Publish button to publish.' }, { status: 400 })
	try {
		const published = await publishPolicies(prisma, { id: session.user.id, role: session.user.role })
		// Delivery is the scheduler's; queueing here means nobody is missed if it is slow.
		const queued = await queuePolicyNotices()
		const message = published.length
			? `Published ${published.length} version(s): ${published.map((entry) => `${entry.kind} ${entry.version}`).join(', ')}.${queued ? ` ${queued} customer notice(s) queued for e-mail.` : ''}`
			: 'Nothing to publish: every policy file is already published.'
		return data({ ok: true, message })
	} catch (error) {
		if (!(error instanceof UserFacingError)) throw error
		return data({ ok: false, message: error.message }, { status: error.status })
	}
}

export default function PoliciesPage() {
	const { links, entries, planError, pending, refused } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	return (
		<section className="page stack" aria-labelledby="policies-title">
			<div>
				<p className="eyebrow">Back office</p>
				<h1 id="policies-title">Policies</h1>
				<BackOfficeNav links={links} />
			</div>
			{actionData ? (
				<p className={actionData.ok ? 'notice' : 'notice warning'} role={actionData.ok ? 'status' : 'alert'}>
					{actionData.message}
				</p>
			) : null}
			{planError ? (
				<p className="notice warning" role="alert">
					A policy file cannot be read: {planError}
				</p>
			) : null}
			<p className="hint">
				The files in <code>policies/</code> are compared with what was published. A published version never changes: a change goes
				into a new file with a higher version. Publishing needs a fresh authenticator code and is recorded in the audit log.
			</p>
			<div className="table-scroll">
				<table className="data">
					<thead>
						<tr>
							<th scope="col">File</th>
							<th scope="col">Effective</th>
							<th scope="col">Status</th>
							<th scope="col">Reason</th>
						</tr>
					</thead>
					<tbody>
						{entries.map((entry) => (
							<tr key={`${entry.kind}@${entry.version}`}>
								<td>
									<code>{entry.file}</code>
									{entry.status === 'unchanged' ? (
										<>
											<br />
											<Link to={`/policies/${entry.kind}/${entry.version}`}>view published</Link>
										</>
									) : null}
								</td>
								<td>{entry.effective}</td>
								<td>
									<span className="status">{STATUS_LABELS[entry.status]}</span>
								</td>
								<td>{entry.reason}</td>
							</tr>
						))}
					</tbody>
				</table>
			</div>
			{refused ? (
				<p className="notice warning">
					{refused} published version(s) would change. Nothing can be published until the files of published versions are restored.
				</p>
			) : null}
			<Form method="post">
				<button type="submit" name="intent" value="publish" className="button primary" disabled={pending === 0 && refused === 0 && !planError}>
					Publish {pending} new version(s)
				</button>
			</Form>
		</section>
	)
}
