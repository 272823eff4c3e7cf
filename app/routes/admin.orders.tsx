import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { BackOfficeNav } from '#app/components/back-office-nav.tsx'
import { backOfficeLinks } from '#app/auth/back-office.server.ts'
import { requirePermission } from '#app/auth/require.server.ts'
import { FAMILY_INFO } from '#app/orders/catalog.ts'
import { listAllOrders, STATUS_LABELS } from '#app/orders/orders.server.ts'

export const meta: MetaFunction = () => [{ title: 'Orders — Lorica back office' }]

export async function loader({ request }: LoaderFunctionArgs) {
	const session = await requirePermission(request, 'read:order:any')
	const orders = await listAllOrders()
	return {
		links: backOfficeLinks(session.user.role),
		orders: orders.map((order) => ({
			id: order.id,
			customer: order.customer?.email ?? 'anonymised',
			status: STATUS_LABELS[order.status],
			family: FAMILY_INFO[order.baseModel].label,
			createdAt: order.createdAt.toISOString().slice(0, 10),
		})),
	}
}

export default function BackOfficeOrders() {
	const { links, orders } = useLoaderData<typeof loader>()
	return (
		<section className="page stack" aria-labelledby="bo-orders-title">
			<div>
				<p className="eyebrow">Back office</p>
				<h1 id="bo-orders-title">Orders</h1>
				<BackOfficeNav links={links} />
			</div>
			<div className="table-scroll">
				<table className="data">
					<thead>
						<tr>
							<th scope="col">Order</th>
							<th scope="col">Customer</th>
							<th scope="col">Base model</th>
							<th scope="col">Status</th>
							<th scope="col">Created</th>
						</tr>
					</thead>
					<tbody>
						{orders.map((order) => (
							<tr key={order.id}>
								<td>
									<Link to={`/orders/${order.id}`}>{order.id}</Link>
								</td>
								<td>{order.customer}</td>
								<td>{order.family}</td>
								<td>{order.status}</td>
								<td>{order.createdAt}</td>
							</tr>
						))}
					</tbody>
				</table>
			</div>
		</section>
	)
}
