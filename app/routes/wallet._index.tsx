import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react'
import { ActionMessages } from '#app/components/forms.tsx'
import { useRefreshWhile } from '#app/components/use-refresh-while.ts'
import { requirePermission } from '#app/auth/require.server.ts'
import { autoTopUpSchema, forgetCard, updateAutoTopUp, walletOverview } from '#app/coins/wallet.server.ts'
import { COIN_BUNDLES, formatCents, isBundleId } from '#app/orders/catalog.ts'
import { buyCoins, saveCardForTopUps } from '#app/payments/checkout.server.ts'
import { describePeriod } from '#app/privacy/periods.server.ts'
import { paymentMode } from '#app/payments/stripe.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { readForm } from '#app/utils/request-body.server.ts'

export const meta: MetaFunction = () => [{ title: 'Coin wallet — Lorica' }]

const ENTRY_LABELS = { top_up: 'Bought', order_charge: 'Order', refund: 'Refund', expiry: 'Expired', adjustment: 'Adjustment by Lorica' } as const

export async function loader({ request }: LoaderFunctionArgs) {
	const session = await requirePermission(request, 'update:wallet:own')
	const overview = await walletOverview(session.user.id)
	return {
		coinLifetime: describePeriod('coinLifetime'),
		testMode: paymentMode() === 'test',
		balance: overview.balance,
		lots: overview.lots.map((lot) => ({ id: lot.id, remaining: lot.remaining, expiresAt: lot.expiresAt.toISOString() })),
		entries: overview.entries.map((entry) => ({ ...entry, label: ENTRY_LABELS[entry.kind], createdAt: entry.createdAt.toISOString() })),
		purchases: overview.purchases.map((payment) => ({
			id: payment.id,
			coins: payment.coins,
			auto: payment.purpose === 'auto_top_up',
			status: payment.status,
			test: payment.mode === 'test',
			amount: formatCents(payment.amountTotal, payment.currency),
			invoiceNumber: payment.invoiceNumber,
			at: (payment.paidAt ?? payment.createdAt).toISOString(),
			failure: payment.failureReason,
		})),
		wallet: {
			cardSaved: Boolean(overview.wallet?.paymentMethodId),
			autoTopUp: overview.wallet?.autoTopUp ?? false,
			threshold: overview.wallet?.autoTopUpThreshold ?? 500,
			bundle: overview.wallet?.autoTopUpBundle ?? 'coins_2500',
			failure: overview.wallet?.autoTopUpFailure ?? null,
			failedAt: overview.wallet?.autoTopUpFailedAt?.toISOString() ?? null,
		},
		bundles: Object.entries(COIN_BUNDLES).map(([id, bundle]) => ({ id, label: bundle.label, price: formatCents(bundle.priceCents) })),
		pendingPurchase: overview.purchases.some((payment) => payment.status === 'pending'),
	}
}

type Result = { message?: string; error?: string; fieldErrors?: Record<string, string[]> }

export async function action({ request }: ActionFunctionArgs) {
	const session = await requirePermission(request, 'update:wallet:own')
	const form = await readForm(request)
	const intent = form.get('intent')
	try {
		if (intent === 'buy') {
			const bundle = String(form.get('bundle') ?? '')
			if (!isBundleId(bundle)) return data<Result>({ error: 'Choose one of the coin bundles.' }, { status: 422 })
			return redirect(await buyCoins(session.user.id, bundle))
		}
		if (intent === 'save-card') return redirect(await saveCardForTopUps(session.user.id))
		if (intent === 'forget-card') {
			await forgetCard(session.user.id)
			return data<Result>({ message: 'The saved card is removed and automatic top-up is off.' })
		}
		if (intent === 'auto-top-up') {
			const parsed = autoTopUpSchema.safeParse({ enabled: form.get('enabled') === 'on', threshold: form.get('threshold'), bundle: form.get('bundle') })
			if (!parsed.success) {
				const fieldErrors: Record<string, string[]> = {}
				for (const issue of parsed.error.issues) (fieldErrors[String(issue.path[0])] ??= []).push(issue.message)
				return data<Result>({ fieldErrors }, { status: 422 })
			}
			await updateAutoTopUp(session.user.id, parsed.data)
			return data<Result>({ message: parsed.data.enabled ? `Automatic top-up is on: below ${parsed.data.threshold} coins we buy ${COIN_BUNDLES[parsed.data.bundle as keyof typeof COIN_BUNDLES].label}.` : 'Automatic top-up is off.' })
		}
	} catch (error) {
		if (error instanceof UserFacingError) return data<Result>({ error: error.message }, { status: error.status })
		throw error
	}
	return data<Result>({ error: 'Unknown action.' }, { status: 400 })
}

function day(iso: string) {
	return iso.slice(0, 10)
}

export default function WalletPage() {
	const { balance, lots, entries, purchases, wallet, bundles, testMode, pendingPurchase, coinLifetime } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>() as Result | undefined
	const navigation = useNavigation()
	const [search] = useSearchParams()
	const waiting = search.get('checkout') === 'success' && pendingPurchase
	useRefreshWhile(waiting)
	return (
		<section className="page narrow stack" aria-labelledby="wallet-title">
			<div>
				<p className="eyebrow">Coin wallet</p>
				<h1 id="wallet-title">{balance} coins</h1>
				<p className="hint">One coin is worth €0.01. Coins expire {coinLifetime} after purchase; orders spend the coins that expire first.</p>
			</div>
			{testMode ? <p className="test-banner">TEST MODE — purchases here use the local test-payment page; no money moves.</p> : null}
			{waiting ? (
				<p className="notice" role="status">
					Waiting for the payment confirmation… this page updates by itself.
				</p>
			) : search.get('checkout') === 'success' ? (
				<p className="notice" role="status">
					Payment complete.
				</p>
			) : search.get('checkout') === 'canceled' ? (
				<p className="notice warning" role="status">
					Payment canceled — nothing was charged.
				</p>
			) : null}
			<ActionMessages message={result?.message} error={result?.error} />
			{lots.length ? (
				<ul>
					{lots.map((lot) => (
						<li key={lot.id}>
							{lot.remaining} coins expire on <time dateTime={lot.expiresAt}>{day(lot.expiresAt)}</time>
						</li>
					))}
				</ul>
			) : null}
			<h2>Buy coins</h2>
			<ul className="cards">
				{bundles.map((bundle) => (
					<li key={bundle.id}>
						<Form method="post">
							<input type="hidden" name="bundle" value={bundle.id} />
							<p>
								<strong>{bundle.label}</strong>
								<br />
								{bundle.price} (VAT included)
							</p>
							<button className="button primary" type="submit" name="intent" value="buy" disabled={navigation.state !== 'idle'}>
								Buy {bundle.label.split(' (')[0]}
							</button>
						</Form>
					</li>
				))}
			</ul>
			<h2>Automatic top-up</h2>
			{wallet.failure ? (
				<p className="notice warning" role="status">
					The last automatic top-up failed ({wallet.failure.replace(/_/g, ' ')}) on {day(wallet.failedAt ?? '')}, so it was switched off. Save another card or switch it on again.
				</p>
			) : null}
			{wallet.cardSaved ? (
				<Form method="post" className="stack">
					<label className="choice">
						<input type="checkbox" name="enabled" defaultChecked={wallet.autoTopUp} /> Top up automatically with the saved card
					</label>
					<div className="field">
						<label htmlFor="threshold">When the balance falls below (coins)</label>
						<input id="threshold" name="threshold" type="number" min={100} max={10000} defaultValue={wallet.threshold} aria-invalid={result?.fieldErrors?.threshold ? true : undefined} />
						{result?.fieldErrors?.threshold ? <p className="form-error">{result.fieldErrors.threshold[0]}</p> : null}
					</div>
					<div className="field">
						<label htmlFor="bundle">Buy</label>
						<select id="bundle" name="bundle" defaultValue={wallet.bundle}>
							{bundles.map((bundle) => (
								<option key={bundle.id} value={bundle.id}>
									{bundle.label} for {bundle.price}
								</option>
							))}
						</select>
					</div>
					<p className="actions">
						<button className="button primary" type="submit" name="intent" value="auto-top-up">
							Save top-up settings
						</button>
						<button className="button" type="submit" name="intent" value="forget-card">
							Remove saved card
						</button>
					</p>
				</Form>
			) : (
				<Form method="post">
					<p>Save a card with Stripe (nothing is charged now) to let Lorica top up your coins when they run low.</p>
					<button className="button" type="submit" name="intent" value="save-card">
						Save a card for top-ups
					</button>
				</Form>
			)}
			<h2>Purchases</h2>
			{purchases.length ? (
				<ul>
					{purchases.map((payment) => (
						<li key={payment.id}>
							{day(payment.at)}: {payment.coins} coins for {payment.amount}
							{payment.auto ? ' (automatic)' : ''}
							{payment.test ? ' (test)' : ''} — {payment.status.replace('_', ' ')}
							{payment.failure && payment.status === 'failed' ? ` (${payment.failure.replace(/_/g, ' ')})` : ''}
							{payment.invoiceNumber ? (
								<>
									{' '}
									— <a href={`/invoices/${payment.id}`}>Invoice {payment.invoiceNumber}</a>
								</>
							) : null}
						</li>
					))}
				</ul>
			) : (
				<p>No purchases yet.</p>
			)}
			<h2>History</h2>
			{entries.length ? (
				<div className="table-scroll">
					<table className="data">
						<thead>
							<tr>
								<th scope="col">Date</th>
								<th scope="col">What</th>
								<th scope="col">Coins</th>
							</tr>
						</thead>
						<tbody>
							{entries.map((entry) => (
								<tr key={entry.id}>
									<td>{day(entry.createdAt)}</td>
									<td>
										{entry.label}
										{entry.orderId ? (
											<>
												{' '}
												— <Link to={`/orders/${entry.orderId}`}>order</Link>
											</>
										) : null}
										{entry.reason ? ` — ${entry.reason}` : ''}
									</td>
									<td>{entry.amount > 0 ? `+${entry.amount}` : entry.amount}</td>
								</tr>
							))}
						</tbody>
					</table>
				</div>
			) : (
				<p>No coin movements yet.</p>
			)}
		</section>
	)
}
