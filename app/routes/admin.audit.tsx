import { data, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { listAuditEvents, verifyAuditChain } from '#app/audit/audit.server.ts'
import { recordStaffView } from '#app/audit/staff-views.server.ts'
import { BackOfficeNav } from '#app/components/back-office-nav.tsx'
import { backOfficeLinks } from '#app/auth/back-office.server.ts'
import { requirePermission } from '#app/auth/require.server.ts'
import { prisma } from '#app/db/db.server.ts'
import { text } from '#app/utils/text-schema.ts'

const FilterSchema = z.object({
	action: text().trim().max(100).optional(),
	actorId: text().trim().max(100).optional(),
	targetType: text().trim().max(50).optional(),
	targetId: text().trim().max(100).optional(),
	from: z.iso.date().optional(),
	to: z.iso.date().optional(),
	cursor: z.coerce.number().int().positive().optional(),
})

export const meta: MetaFunction = () => [{ title: 'Audit log — Lorica back office' }]

export async function loader({ request }: LoaderFunctionArgs) {
	const session = await requirePermission(request, 'read:audit:any')
	const params = Object.fromEntries([...new URL(request.url).searchParams].filter(([, value]) => value !== ''))
	const parsed = FilterSchema.safeParse(params)
	const verification = await verifyAuditChain(prisma)
	// Refused filters show no events (so nothing was viewed, nothing is audited), and say why.
	if (!parsed.success)
		return data(
			{
				links: backOfficeLinks(session.user.role),
				filters: {} as z.infer<typeof FilterSchema>,
				filterError: 'Some filters are not valid, so no events are shown: dates are YYYY-MM-DD and text may not contain control characters.',
				verification,
				nextCursor: null,
				events: [],
			},
			{ status: 400 },
		)
	const filters = parsed.data
	const page = await listAuditEvents(prisma, {
		...filters,
		from: filters.from ? new Date(`${filters.from}T00:00:00Z`) : undefined,
		// "to" is a day: include all of it.
		to: filters.to ? new Date(new Date(`${filters.to}T00:00:00Z`).getTime() + 86_400_000) : undefined,
	})
	await recordStaffView(session, { type: 'audit', id: 'log' })
	return {
		links: backOfficeLinks(session.user.role),
		filters,
		filterError: null,
		verification,
		nextCursor: page.nextCursor,
		events: page.events.map((event) => ({ ...event, at: event.at.toISOString(), detail: JSON.stringify(event.detail) })),
	}
}

export default function AuditPage() {
	const { links, filters, filterError, verification, events, nextCursor } = useLoaderData<typeof loader>()
	const next = new URLSearchParams(Object.entries({ ...filters, cursor: String(nextCursor ?? '') }).map(([key, value]) => [key, String(value ?? '')]))
	return (
		<section className="page stack" aria-labelledby="audit-title">
			<div>
				<p className="eyebrow">Back office</p>
				<h1 id="audit-title">Audit log</h1>
				<BackOfficeNav links={links} />
			</div>
			{verification.ok ? (
				<p className="notice" role="status" data-testid="audit-verification">
					Chain intact: all {verification.checked} events verified.
				</p>
			) : (
				<p className="notice warning" role="alert" data-testid="audit-verification">
					Chain broken at event {verification.firstBroken.seq}: {verification.firstBroken.reason}
				</p>
			)}
			<Form method="get" className="filters" aria-label="Filter the audit log">
				{(['action', 'actorId', 'targetType', 'targetId'] as const).map((name) => (
					<div className="field" key={name}>
						<label htmlFor={`filter-${name}`}>{name}</label>
						<input id={`filter-${name}`} name={name} defaultValue={filters[name] ?? ''} />
					</div>
				))}
				<div className="field">
					<label htmlFor="filter-from">from</label>
					<input id="filter-from" type="date" name="from" defaultValue={filters.from ?? ''} />
				</div>
				<div className="field">
					<label htmlFor="filter-to">to</label>
					<input id="filter-to" type="date" name="to" defaultValue={filters.to ?? ''} />
				</div>
				<button type="submit" className="button">
					Filter
				</button>
			</Form>
			{filterError ? <p className="form-error">{filterError}</p> : null}
			<div className="table-scroll">
				<table className="data">
					<thead>
						<tr>
							<th scope="col">#</th>
							<th scope="col">When (UTC)</th>
							<th scope="col">Actor</th>
							<th scope="col">Action</th>
							<th scope="col">Target</th>
							<th scope="col">Detail</th>
						</tr>
					</thead>
					<tbody>
						{events.map((event) => (
							<tr key={event.seq}>
								<td>{event.seq}</td>
								<td>{event.at.replace('T', ' ').slice(0, 19)}</td>
								<td>{event.actorId ? `${event.actorRole} ${event.actorId}` : 'system'}</td>
								<td>{event.action}</td>
								<td>{event.targetType ? `${event.targetType} ${event.targetId}` : ''}</td>
								<td>
									<code>{event.detail}</code>
								</td>
							</tr>
						))}
					</tbody>
				</table>
			</div>
			{events.length === 0 ? <p>No events match these filters.</p> : null}
			{nextCursor ? (
				<p>
					<Link to={`?${next}`}>Older events</Link>
				</p>
			) : null}
		</section>
	)
}
