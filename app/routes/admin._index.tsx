import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { BackOfficeNav } from '#app/components/back-office-nav.tsx'
import { backOfficeLinks } from '#app/auth/back-office.server.ts'
import { requirePermission } from '#app/auth/require.server.ts'
import { prisma } from '#app/db/db.server.ts'
import { STATUS_LABELS } from '#app/orders/orders.server.ts'

export const meta: MetaFunction = () => [{ title: 'Back office — Lorica' }]

export async function loader({ request }: LoaderFunctionArgs) {
	const session = await requirePermission(request, 'read:backoffice:any')
	const [byStatus, byRole] = await Promise.all([
		prisma.order.groupBy({ by: ['status'], _count: { _all: true } }),
		prisma.user.groupBy({ by: ['role'], _count: { _all: true } }),
	])
	return {
		role: session.user.role,
		links: backOfficeLinks(session.user.role),
		orders: byStatus.map((row) => ({ status: STATUS_LABELS[row.status], count: row._count._all })),
		people: byRole.map((row) => ({ role: row.role, count: row._count._all })),
	}
}

export default function BackOfficeHome() {
	const { role, links, orders, people } = useLoaderData<typeof loader>()
	return (
		<section className="page stack" aria-labelledby="bo-title">
			<div>
				<p className="eyebrow">Back office · signed in as {role}</p>
				<h1 id="bo-title">Overview</h1>
				<BackOfficeNav links={links} />
			</div>
			<div className="cards-row">
				<div>
					<h2>Orders by status</h2>
					<ul>
						{orders.map((row) => (
							<li key={row.status}>
								{row.status}: {row.count}
							</li>
						))}
					</ul>
				</div>
				<div>
					<h2>Accounts by role</h2>
					<ul>
						{people.map((row) => (
							<li key={row.role}>
								{row.role}: {row.count}
							</li>
						))}
					</ul>
				</div>
			</div>
		</section>
	)
}
