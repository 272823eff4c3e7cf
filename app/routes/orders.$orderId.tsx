import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { ActionMessages } from '#app/components/forms.tsx'
import { OrderSummary } from '#app/components/order-summary.tsx'
import { useRefreshWhile } from '#app/components/use-refresh-while.ts'
import { recordStaffView } from '#app/audit/staff-views.server.ts'
import { can } from '#app/auth/permissions.ts'
import { assertResourceAccess, requireUser } from '#app/auth/require.server.ts'
import type { CurrentSession } from '#app/auth/session.server.ts'
import { COIN_VALUE_CENTS, CONCEPT_LABELS, FAMILY_INFO, formatCents, readSettings } from '#app/orders/catalog.ts'
import { cancelOrder } from '#app/orders/cancel.server.ts'
import { getOrderDetail, getOrderOwner, STATUS_LABELS } from '#app/orders/orders.server.ts'
import { listResults, publishResult, unpublishResult } from '#app/orders/results.server.ts'
import { CANCELABLE } from '#app/orders/transitions.server.ts'
import { resumePath } from '#app/orders/steps.ts'
import { refundOrder } from '#app/payments/refunds.server.ts'
import { getDataMap, retentionPeriod } from '#app/privacy/data-map.server.ts'
import { describePeriod } from '#app/privacy/periods.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { formatBytes } from '#app/utils/format.ts'
import { readForm } from '#app/utils/request-body.server.ts'
import { routeId } from '#app/utils/ids.ts'
import { hasUnsafeCharacters } from '#app/utils/text-schema.ts'

export const meta: MetaFunction = () => [{ title: 'Order — Lorica' }]

export async function loader({ request, params }: LoaderFunctionArgs) {
	const session = await requireUser(request)
	const order = await getOrderDetail(routeId(params.orderId))
	if (!order) throw new Response('Not found', { status: 404 })
	const access = assertResourceAccess(session, 'read', 'order', order.customerId)
	if (access === 'any') await recordStaffView(session, { type: 'order', id: order.id })
	const own = access === 'own'
	const recipient = getDataMap().recipients.find((entry) => entry.id === order.provider)
	const results = own && order.status === 'completed' ? await listResults(order.id, session.user.id) : []
	return {
		own,
		periods: { downloadLink: describePeriod('downloadLink'), privateResults: retentionPeriod('private_results') },
		staffRefund: !own && can(session.user.role, 'create:refund:any') && ['paid', 'queued', 'completed', 'failed', 'canceled'].includes(order.status) && Boolean(order.paidWith),
		order: {
			id: order.id,
			status: order.status,
			statusLabel: STATUS_LABELS[order.status],
			family: FAMILY_INFO[order.baseModel].label,
			conceptType: CONCEPT_LABELS[order.conceptType],
			concept: order.conceptDescription,
			triggerWords: order.triggerWords,
			images: order._count.images,
			settings: readSettings(order.baseModel, order.settings),
			price: order.priceCoins === null ? null : { coins: order.priceCoins, money: formatCents(order.priceCoins * COIN_VALUE_CENTS) },
			paidWith: order.paidWith,
			refundTo: order.refundTo,
			termsVersion: order.termsVersion,
			provider: recipient ? { name: recipient.name, country: recipient.country } : null,
			sent: ['submitted', 'training', 'completed', 'failed'].includes(order.status) || order.statusChanges.some((change) => change.to === 'submitted'),
			resumeHref: resumePath(order),
			cancelable: own && CANCELABLE.includes(order.status),
			timeline: order.statusChanges.map((change) => ({ status: STATUS_LABELS[change.to], at: change.at.toISOString() })),
			payments: order.payments.map((payment) => ({
				id: payment.id,
				status: payment.status,
				test: payment.mode === 'test',
				amount: formatCents(payment.amountTotal, payment.currency),
				refunded: payment.amountRefunded ? formatCents(payment.amountRefunded, payment.currency) : null,
				invoiceNumber: payment.invoiceNumber,
				paidAt: payment.paidAt?.toISOString() ?? null,
				checkoutUrl: payment.status === 'pending' ? payment.checkoutUrl : null,
				disputed: payment.disputeStatus,
			})),
			receipt: order.paidWith === 'coins' && order.paidAt ? `/orders/${order.id}/receipt` : null,
			refunds: order.refunds.map((refund) => ({
				id: refund.id,
				what: refund.destination === 'coins' ? `${refund.amount} coins to your wallet` : `${formatCents(refund.amount)} to your card`,
				reason: refund.reason,
				status: refund.status,
				at: refund.createdAt.toISOString(),
			})),
			holds: own ? [] : order.legalHolds.map((hold) => ({ id: hold.id, reason: hold.reason, placedAt: hold.placedAt.toISOString() })),
		},
		results: results.map((result) => ({
			id: result.id,
			kind: result.kind,
			name: result.displayName,
			size: formatBytes(result.bytes),
			href: result.href,
			published: Boolean(result.publishedAt),
		})),
	}
}

export async function action({ request, params }: ActionFunctionArgs) {
	const session = await requireUser(request)
	const order = await getOrderOwner(routeId(params.orderId))
	if (!order) throw new Response('Not found', { status: 404 })
	const form = await readForm(request)
	const intent = form.get('intent')
	if (intent === 'staff-refund') return staffRefund(session, order.id, order.customerId, String(form.get('reason') ?? ''))
	assertResourceAccess(session, 'update', 'order', order.customerId)
	if (order.customerId !== session.user.id) throw new Response('Not found', { status: 404 })
	try {
		if (intent === 'cancel') {
			const { refund } = await cancelOrder(session.user.id, order.id)
			const message = !refund || refund.destination === 'none' ? 'The order is canceled.' : refund.destination === 'coins' ? `The order is canceled and ${refund.amount} coins are back in your wallet.` : `The order is canceled; ${formatCents(refund.amount)} are on their way back to your card.`
			return data({ message, error: null })
		}
		const resultId = String(form.get('resultId') ?? '')
		if (intent === 'publish') {
			if (form.get('cc0') !== 'on') return data({ message: null, error: 'To publish, confirm that you release this image under CC0.' }, { status: 422 })
			await publishResult(session.user.id, order.id, resultId)
			return data({ message: 'The image is now in the public gallery.', error: null })
		}
		if (intent === 'unpublish') {
			await unpublishResult(session.user.id, order.id, resultId)
			return data({ message: 'The image is no longer public.', error: null })
		}
	} catch (error) {
		if (error instanceof UserFacingError) return data({ message: null, error: error.message }, { status: error.status })
		throw error
	}
	return redirect(`/orders/${order.id}`)
}

async function staffRefund(session: CurrentSession, orderId: string, customerId: string | null, reason: string) {
	assertResourceAccess(session, 'read', 'order', customerId)
	if (!can(session.user.role, 'create:refund:any')) throw new Response('Your role does not allow refunds.', { status: 403 })
	if (reason.trim().length < 5 || reason.length > 300) return data({ message: null, error: 'Give the reason for the refund in 5 to 300 characters; it is kept in the audit log.' }, { status: 422 })
	if (hasUnsafeCharacters(reason)) return data({ message: null, error: 'Remove the invisible control characters from the reason.' }, { status: 422 })
	try {
		const refund = await refundOrder(orderId, { reason: reason.trim(), actor: { id: session.user.id, role: session.user.role } })
		const message = refund.destination === 'none' ? 'Nothing was paid for this order, so nothing was refunded; it is canceled.' : refund.destination === 'coins' ? `Refunded ${refund.amount} coins to the customer's wallet.` : `Refund of ${formatCents(refund.amount)} to the card sent to Stripe.`
		return data({ message, error: null })
	} catch (error) {
		if (error instanceof UserFacingError) return data({ message: null, error: error.message }, { status: error.status })
		throw error
	}
}

function when(iso: string) {
	return `${iso.slice(0, 16).replace('T', ' ')} UTC`
}

export default function OrderPage() {
	const { order, results, own, staffRefund: canRefund, periods } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	const [search] = useSearchParams()
	const waiting = search.get('checkout') === 'success' && order.status === 'awaiting_payment'
	useRefreshWhile(waiting)
	return (
		<section className="page narrow stack" aria-labelledby="order-title">
			<div>
				<p className="eyebrow">
					Order {order.id} · <span className="status">{order.statusLabel}</span>
				</p>
				<h1 id="order-title">{order.concept}</h1>
			</div>
			{waiting ? (
				<p className="notice" role="status">
					Payment received by the payment page — waiting for the confirmation from Stripe. This page updates by itself.
				</p>
			) : null}
			{search.get('checkout') === 'success' && order.status === 'queued' ? (
				<p className="notice" role="status">
					Thank you — the order is paid and queued for training.
				</p>
			) : null}
			{search.get('paid') === 'coins' && order.status === 'queued' ? (
				<p className="notice" role="status">
					Paid with {order.price?.coins} coins — the order is queued for training.
				</p>
			) : null}
			<ActionMessages message={result?.message} error={result?.error} />
			{order.holds.length ? (
				<div className="notice warning">
					<strong>Legal hold:</strong> {order.holds.map((hold) => `${hold.reason} since ${when(hold.placedAt)}`).join('; ')}. Retention and erasure skip this order.
				</div>
			) : null}
			{order.resumeHref && own ? (
				<p>
					<Link className="button primary" to={order.resumeHref}>
						{order.status === 'draft' ? 'Continue this order' : 'Go to payment'}
					</Link>
				</p>
			) : null}
			<OrderSummary family={order.family} conceptType={order.conceptType} concept={order.concept} triggerWords={order.triggerWords} images={order.images} settings={order.settings}>
				<dt>Price</dt>
				<dd>{order.price ? `${order.price.coins} coins (${order.price.money})` : 'Not quoted yet'}</dd>
				{order.paidWith ? (
					<>
						<dt>Paid with</dt>
						<dd>
							{order.paidWith === 'coins' ? 'Coins' : 'Card'}
							{order.paidWith === 'card' ? ` — refunds go ${order.refundTo === 'coins' ? 'to your coin wallet' : 'to the card'}` : ''}
						</dd>
					</>
				) : null}
				{order.termsVersion ? (
					<>
						<dt>Ordered under</dt>
						<dd>
							<Link to={`/policies/terms/${order.termsVersion}`}>Terms of Service {order.termsVersion}</Link>
						</dd>
					</>
				) : null}
			</OrderSummary>
			<h2>Timeline</h2>
			<ol className="timeline">
				{order.timeline.map((step) => (
					<li key={step.at + step.status}>
						<strong>{step.status}</strong> — <time dateTime={step.at}>{when(step.at)}</time>
					</li>
				))}
			</ol>
			<h2>What was sent to whom</h2>
			{order.sent ? (
				<p>
					The reference images, captions, trigger words and settings went to {order.provider?.name ?? 'the training provider'}
					{order.provider ? ` (${order.provider.country})` : ''} for training. Each transfer is listed here once provider dispatch records them.
				</p>
			) : (
				<p>
					Nothing has been sent to a training provider yet.
					{order.provider ? ` When training starts, the reference images, captions, trigger words and settings go to ${order.provider.name} (${order.provider.country}); each transfer will be listed here.` : ''}
				</p>
			)}
			{order.payments.length || order.receipt ? (
				<>
					<h2>Payments and documents</h2>
					<ul>
						{order.payments.map((payment) => (
							<li key={payment.id}>
								{payment.amount} by card{payment.test ? ' (test payment)' : ''} — {payment.status.replace('_', ' ')}
								{payment.paidAt ? ` on ${when(payment.paidAt)}` : ''}
								{payment.refunded ? `, ${payment.refunded} refunded` : ''}
								{payment.disputed ? `, disputed (${payment.disputed.replace('_', ' ')})` : ''}
								{payment.invoiceNumber ? (
									<>
										{' '}
										— <a href={`/invoices/${payment.id}`}>Invoice {payment.invoiceNumber} (PDF)</a>
									</>
								) : null}
								{payment.checkoutUrl && own ? (
									<>
										{' '}
										— <a href={payment.checkoutUrl}>continue to payment</a>
									</>
								) : null}
							</li>
						))}
						{order.receipt ? (
							<li>
								Paid with {order.price?.coins} coins — <a href={order.receipt}>Receipt (PDF)</a>
							</li>
						) : null}
					</ul>
				</>
			) : null}
			{order.refunds.length ? (
				<>
					<h2>Refunds</h2>
					<ul>
						{order.refunds.map((refund) => (
							<li key={refund.id}>
								{refund.what} — {refund.reason} ({refund.status}, {when(refund.at)})
							</li>
						))}
					</ul>
				</>
			) : null}
			{results.length ? (
				<>
					<h2>Results</h2>
					<p className="hint">Download links work for {periods.downloadLink}; reload the page for new ones. Unpublished results are deleted {periods.privateResults} after training completes.</p>
					<ul className="results">
						{results.map((item) => (
							<li key={item.id}>
								<a href={item.href} download>
									{item.name}
								</a>{' '}
								({item.kind === 'weights' ? 'LoRA weights' : 'sample image'}, {item.size})
								{item.kind === 'sample' ? (
									item.published ? (
										<Form method="post" className="inline-form">
											<input type="hidden" name="resultId" value={item.id} />{' '}
											<span className="status">Public (CC0)</span>{' '}
											<button className="button" type="submit" name="intent" value="unpublish">
												Unpublish
											</button>
										</Form>
									) : (
										<details className="publish">
											<summary>Publish to the gallery</summary>
											<Form method="post" className="stack">
												<input type="hidden" name="resultId" value={item.id} />
												<p>
													Published images appear in the public gallery and are released under <strong>CC0 1.0</strong>: anyone may copy, change and use them, also
													commercially, without asking or naming you. You can unpublish at any time, but copies others made stay theirs.
												</p>
												<label className="choice">
													<input type="checkbox" name="cc0" required /> I release this image under CC0 and confirm it shows no real person without their consent.
												</label>
												<button className="button primary" type="submit" name="intent" value="publish">
													Publish
												</button>
											</Form>
										</details>
									)
								) : null}
							</li>
						))}
					</ul>
				</>
			) : null}
			{canRefund ? (
				<Form method="post" className="stack" aria-labelledby="staff-refund-title">
					<h2 id="staff-refund-title">Refund (staff)</h2>
					<p className="hint">
						Refunds what the customer paid, as they chose at checkout ({order.paidWith === 'coins' ? 'coins' : order.refundTo === 'coins' ? 'coins' : 'to the card'}). An order that has not gone to the provider
						is canceled too. The reason is recorded in the audit log.
					</p>
					<div className="field">
						<label htmlFor="refund-reason">Reason</label>
						<input id="refund-reason" name="reason" required minLength={5} maxLength={300} />
					</div>
					<button className="button" type="submit" name="intent" value="staff-refund">
						Refund order
					</button>
				</Form>
			) : null}
			{order.cancelable ? (
				<Form method="post" onSubmit={(event) => !confirm('Cancel this order? Anything you paid is refunded.') && event.preventDefault()}>
					<button className="button" type="submit" name="intent" value="cancel">
						Cancel order
					</button>
				</Form>
			) : null}
		</section>
	)
}
