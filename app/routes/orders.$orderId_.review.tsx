import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { coinBalance } from '#app/coins/ledger.server.ts'
import { OrderSummary } from '#app/components/order-summary.tsx'
import { WizardSteps } from '#app/components/wizard-steps.tsx'
import { prisma } from '#app/db/db.server.ts'
import { COIN_VALUE_CENTS, CONCEPT_LABELS, FAMILY_INFO, formatCents } from '#app/orders/catalog.ts'
import { reviewFor } from '#app/orders/wizard.server.ts'
import { loadWizardStep } from '#app/orders/wizard-access.server.ts'
import { cancelOrderPayment, payOrder } from '#app/payments/checkout.server.ts'
import { paymentMode } from '#app/payments/stripe.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { readForm } from '#app/utils/request-body.server.ts'

export const meta: MetaFunction = () => [{ title: 'Quote and payment — Lorica' }]

export async function loader({ request, params }: LoaderFunctionArgs) {
	const { session, order } = await loadWizardStep(request, params.orderId, 5, ['draft', 'awaiting_payment'])
	const [review, balance, openPayment] = await Promise.all([
		reviewFor(order),
		coinBalance(prisma, session.user.id),
		prisma.payment.findFirst({ where: { orderId: order.id, status: 'pending' }, select: { checkoutUrl: true, createdAt: true }, orderBy: { createdAt: 'desc' } }),
	])
	return {
		order: {
			id: order.id,
			status: order.status,
			family: FAMILY_INFO[order.baseModel].label,
			conceptType: CONCEPT_LABELS[order.conceptType],
			concept: order.conceptDescription,
			triggerWords: order.triggerWords,
			images: order.images.length,
			refundTo: order.refundTo,
		},
		settings: review.settings,
		quote: { coins: review.coins, price: formatCents(review.coins * COIN_VALUE_CENTS) },
		provider: review.provider,
		termsVersion: review.termsVersion,
		imageRetention: review.imageRetention,
		balance,
		testMode: paymentMode() === 'test',
		openCheckout: openPayment?.checkoutUrl ? { url: openPayment.checkoutUrl, until: new Date(openPayment.createdAt.getTime() + 60 * 60_000).toISOString() } : null,
	}
}

type ActionResult = { formError?: string; fieldErrors?: Record<string, string> }

export async function action({ request, params }: ActionFunctionArgs) {
	const { session, order } = await loadWizardStep(request, params.orderId, 5, ['draft', 'awaiting_payment'])
	const form = await readForm(request)
	const intent = form.get('intent')
	if (intent === 'cancel-payment') {
		try {
			await cancelOrderPayment(order.id)
		} catch (error) {
			if (error instanceof UserFacingError) return data<ActionResult>({ formError: error.message }, { status: error.status })
			throw error
		}
		return redirect(`/orders/${order.id}/review`)
	}
	if (intent !== 'pay') return data<ActionResult>({ formError: 'Unknown action.' }, { status: 400 })
	const method = form.get('method')
	const refundTo = form.get('refundTo') ?? 'coins'
	const fieldErrors: Record<string, string> = {}
	if (method !== 'card' && method !== 'coins') fieldErrors.method = 'Choose how to pay: card or coins.'
	if (refundTo !== 'coins' && refundTo !== 'card') fieldErrors.refundTo = 'Choose where a refund should go.'
	if (form.get('acceptTerms') !== 'on') fieldErrors.acceptTerms = 'Accept the Terms of Service to place the order.'
	const review = await reviewFor(order)
	if (!review.termsVersion) return data<ActionResult>({ formError: 'The Terms of Service are not published yet; orders cannot be placed.' }, { status: 503 })
	if (form.get('termsVersion') !== review.termsVersion)
		fieldErrors.acceptTerms = `The Terms of Service changed to version ${review.termsVersion} while this page was open. Read them and accept again.`
	if (Object.keys(fieldErrors).length) return data<ActionResult>({ fieldErrors }, { status: 422 })
	try {
		const { redirectTo } = await payOrder(session.user.id, order.id, {
			method: method as 'card' | 'coins',
			refundTo: refundTo as 'coins' | 'card',
			termsVersion: review.termsVersion,
		})
		return redirect(redirectTo)
	} catch (error) {
		if (error instanceof UserFacingError) return data<ActionResult>({ formError: error.message }, { status: error.status })
		throw error
	}
}

function RadioOption({ name, value, defaultChecked, children }: { name: string; value: string; defaultChecked?: boolean; children: React.ReactNode }) {
	return (
		<label className="choice">
			<input type="radio" name={name} value={value} defaultChecked={defaultChecked} required /> <span>{children}</span>
		</label>
	)
}

export default function ReviewStep() {
	const { order, settings, quote, provider, termsVersion, imageRetention, balance, testMode, openCheckout } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>() as ActionResult | undefined
	const navigation = useNavigation()
	const busy = navigation.state !== 'idle' && navigation.formData?.get('intent') === 'pay'
	const enoughCoins = balance >= quote.coins
	return (
		<section className="page narrow stack" aria-labelledby="review-title">
			<WizardSteps orderId={order.id} current={5} furthest={5} />
			<h1 id="review-title">Quote and payment</h1>
			{openCheckout ? (
				<div className="notice warning" role="status">
					<p>
						A card payment for this order is open until <time dateTime={openCheckout.until}>{openCheckout.until.slice(11, 16)} UTC</time>.{' '}
						<a href={openCheckout.url}>Continue to the payment page</a>, or cancel it to change the order.
					</p>
					<Form method="post">
						<button className="button" type="submit" name="intent" value="cancel-payment">
							Cancel the payment and edit the order
						</button>
					</Form>
				</div>
			) : null}
			<OrderSummary family={order.family} conceptType={order.conceptType} concept={order.concept} triggerWords={order.triggerWords} images={order.images} settings={settings} />
			<div className="quote" aria-labelledby="quote-title">
				<h2 id="quote-title">Price</h2>
				<p className="price">
					<strong>{quote.coins} coins</strong> or <strong>{quote.price}</strong> by card (VAT included)
				</p>
				<p className="hint">You have {balance} coins.</p>
			</div>
			{provider ? (
				<div className="notice">
					<h2>Where your data goes</h2>
					<p>
						To train, we send your reference images, captions, trigger words and settings to <strong>{provider.name}</strong> in <strong>{provider.country}</strong>. Transfer
						safeguard: {provider.safeguard}.{' '}
						{imageRetention ? `Your reference images: ${imageRetention.charAt(0).toLowerCase()}${imageRetention.slice(1)}. ` : ''}See the <Link to="/policies/privacy">Privacy Policy</Link>.
					</p>
				</div>
			) : null}
			<Form method="post" className="stack" aria-describedby={result?.formError ? 'pay-error' : undefined}>
				<input type="hidden" name="termsVersion" value={termsVersion ?? ''} />
				<fieldset>
					<legend>Pay with</legend>
					<RadioOption name="method" value="coins" defaultChecked={enoughCoins}>
						{quote.coins} coins from your wallet {enoughCoins ? '' : `(you have ${balance}: `}
						{enoughCoins ? null : (
							<>
								<Link to="/wallet">buy coins</Link>)
							</>
						)}
					</RadioOption>
					<RadioOption name="method" value="card" defaultChecked={!enoughCoins}>
						Card, {quote.price} {testMode ? '(TEST MODE: no money moves)' : 'via Stripe Checkout'}
					</RadioOption>
					{result?.fieldErrors?.method ? <p className="form-error">{result.fieldErrors.method}</p> : null}
				</fieldset>
				<fieldset>
					<legend>If the order fails or you cancel it after paying by card, refund</legend>
					<RadioOption name="refundTo" value="coins" defaultChecked={order.refundTo === 'coins'}>
						as coins to your wallet, available at once
					</RadioOption>
					<RadioOption name="refundTo" value="card" defaultChecked={order.refundTo === 'card'}>
						to the card (takes 5–10 days at your bank)
					</RadioOption>
					<p className="hint">Orders paid with coins are always refunded in coins.</p>
				</fieldset>
				<div className="field checkbox">
					<input id="acceptTerms" type="checkbox" name="acceptTerms" aria-invalid={result?.fieldErrors?.acceptTerms ? true : undefined} aria-describedby="acceptTerms-error" />
					<label htmlFor="acceptTerms">
						I accept the <Link to={`/policies/terms/${termsVersion}`}>Terms of Service (version {termsVersion})</Link> for this order.
					</label>
					{result?.fieldErrors?.acceptTerms ? (
						<p id="acceptTerms-error" className="form-error">
							{result.fieldErrors.acceptTerms}
						</p>
					) : null}
				</div>
				{result?.formError ? (
					<p id="pay-error" className="form-error" role="alert">
						{result.formError}
					</p>
				) : null}
				<p className="actions">
					<Link className="button" to={`/orders/${order.id}/attestations`}>
						Back
					</Link>
					<button className="button primary" type="submit" name="intent" value="pay" disabled={busy}>
						{busy ? 'Placing the order…' : 'Place order and pay'}
					</button>
				</p>
			</Form>
		</section>
	)
}
