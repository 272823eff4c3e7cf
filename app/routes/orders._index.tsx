import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { requirePermission } from '#app/auth/require.server.ts'
import { FAMILY_INFO } from '#app/orders/catalog.ts'
import { listOwnOrders, STATUS_LABELS } from '#app/orders/orders.server.ts'
import { resumePath } from '#app/orders/steps.ts'

export const meta: MetaFunction = () => [{ title: 'Your orders — Lorica' }]

export async function loader({ request }: LoaderFunctionArgs) {
	const session = await requirePermission(request, 'read:order:own')
	const orders = await listOwnOrders(session.user.id)
	return {
		orders: orders.map((order) => ({
			id: order.id,
			status: STATUS_LABELS[order.status],
			family: FAMILY_INFO[order.baseModel].label,
			concept: order.conceptDescription,
			createdAt: order.createdAt.toISOString().slice(0, 10),
			continueHref: resumePath(order),
		})),
	}
}

export default function OrdersPage() {
	const { orders } = useLoaderData<typeof loader>()
	return (
		<section className="page" aria-labelledby="orders-title">
			<h1 id="orders-title">Your orders</h1>
			<p className="actions">
				<Link className="button primary" to="/orders/new">
					New training order
				</Link>
				<Link className="button" to="/wallet">
					Coin wallet
				</Link>
			</p>
			{orders.length === 0 ? (
				<p>You have no orders yet.</p>
			) : (
				<div className="table-scroll">
					<table className="data">
						<thead>
							<tr>
								<th scope="col">Concept</th>
								<th scope="col">Base model</th>
								<th scope="col">Status</th>
								<th scope="col">Created</th>
							</tr>
						</thead>
						<tbody>
							{orders.map((order) => (
								<tr key={order.id}>
									<td>
										<Link to={`/orders/${order.id}`}>{order.concept}</Link>
									</td>
									<td>{order.family}</td>
									<td>
										<span className="status">{order.status}</span>
										{order.continueHref ? (
											<>
												{' '}
												<Link to={order.continueHref}>Continue</Link>
											</>
										) : null}
									</td>
									<td>{order.createdAt}</td>
								</tr>
							))}
						</tbody>
					</table>
				</div>
			)}
		</section>
	)
}
