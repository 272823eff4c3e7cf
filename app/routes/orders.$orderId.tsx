import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { recordStaffView } from '#app/audit/staff-views.server.ts'
import { assertResourceAccess, requireUser } from '#app/auth/require.server.ts'
import { FAMILY_LABELS, getOrderDetail, STATUS_LABELS } from '#app/orders/orders.server.ts'

export const meta: MetaFunction = () => [{ title: 'Order — Lorica' }]

export async function loader({ request, params }: LoaderFunctionArgs) {
	const session = await requireUser(request)
	const order = await getOrderDetail(params.orderId ?? '')
	if (!order) throw new Response('Not found', { status: 404 })
	const access = assertResourceAccess(session, 'read', 'order', order.customerId)
	if (access === 'any') await recordStaffView(session, { type: 'order', id: order.id })
	return {
		order: {
			id: order.id,
			status: STATUS_LABELS[order.status],
			family: FAMILY_LABELS[order.baseModel],
			conceptType: order.conceptType,
			concept: order.conceptDescription,
			triggerWords: order.triggerWords,
			priceCoins: order.priceCoins,
			timeline: order.statusChanges.map((change) => ({ status: STATUS_LABELS[change.to], at: change.at.toISOString() })),
		},
	}
}

export default function OrderPage() {
	const { order } = useLoaderData<typeof loader>()
	return (
		<section className="page narrow" aria-labelledby="order-title">
			<p className="eyebrow">
				Order {order.id} · <span className="status">{order.status}</span>
			</p>
			<h1 id="order-title">{order.concept}</h1>
			<dl>
				<dt>Base model</dt>
				<dd>{order.family}</dd>
				<dt>Concept type</dt>
				<dd>{order.conceptType}</dd>
				<dt>Trigger words</dt>
				<dd>{order.triggerWords.join(', ')}</dd>
				<dt>Price</dt>
				<dd>{order.priceCoins === null ? 'Not quoted yet' : `${order.priceCoins} coins`}</dd>
			</dl>
			<h2>Timeline</h2>
			<ol className="timeline">
				{order.timeline.map((step) => (
					<li key={step.at + step.status}>
						<strong>{step.status}</strong> — <time dateTime={step.at}>{step.at.slice(0, 16).replace('T', ' ')} UTC</time>
					</li>
				))}
			</ol>
		</section>
	)
}
