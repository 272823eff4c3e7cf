import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { requirePermission } from '#app/auth/require.server.ts'
import { formatCents } from '#app/orders/catalog.ts'
import { abandonTestPayment, completeTestPayment, declineTestPayment, DEMO_VAT_RATES, returnPath, testPayment } from '#app/payments/test-mode.server.ts'
import { readForm } from '#app/utils/request-body.server.ts'
import { routeId } from '#app/utils/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Test payment — Lorica' }]

const COUNTRIES = [...Object.keys(DEMO_VAT_RATES), 'US', 'CH']

async function load(request: Request, paymentId: string) {
	const session = await requirePermission(request, 'read:payment:own')
	const payment = await testPayment(routeId(paymentId), session.user.id)
	if (!payment) throw new Response('Not found', { status: 404 })
	return payment
}

export async function loader({ request, params }: LoaderFunctionArgs) {
	const payment = await load(request, params.paymentId ?? '')
	if (payment.status !== 'pending') throw redirect(returnPath(payment))
	return {
		payment: {
			id: payment.id,
			purpose: payment.purpose,
			amount: formatCents(payment.amountTotal, payment.currency),
			what: payment.purpose === 'order' ? `LoRA training: ${payment.order?.conceptDescription ?? ''}` : payment.purpose === 'card_setup' ? 'Save a card for automatic top-ups' : `${payment.coins} coins`,
			lastAttempt: payment.failureReason,
		},
		countries: COUNTRIES.map((code) => ({ code, name: new Intl.DisplayNames('en', { type: 'region' }).of(code) ?? code })),
	}
}

export async function action({ request, params }: ActionFunctionArgs) {
	const payment = await load(request, params.paymentId ?? '')
	const form = await readForm(request)
	const intent = form.get('intent')
	if (payment.status !== 'pending') return redirect(returnPath(payment))
	if (intent === 'cancel') {
		await abandonTestPayment(payment.id)
		return redirect(`${returnPath(payment)}?checkout=canceled`)
	}
	if (intent === 'decline') {
		await declineTestPayment(payment.id)
		return data({ error: 'The test card was declined. Nothing was charged; try again or cancel.' }, { status: 402 })
	}
	const country = String(form.get('billingCountry') ?? '')
	if (!COUNTRIES.includes(country)) return data({ error: 'Choose the billing country.' }, { status: 422 })
	const card = form.get('card') === 'declines_later' ? 'declines_later' : 'succeeds'
	await completeTestPayment(payment.id, { billingCountry: country, card })
	return redirect(`${returnPath(payment)}?checkout=success`)
}

export default function TestPaymentPage() {
	const { payment, countries } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	const navigation = useNavigation()
	return (
		<section className="page narrow stack" aria-labelledby="test-payment-title">
			<div className="test-banner" role="note">
				<strong>TEST PAYMENT</strong> — this installation has no Stripe keys. No card is asked for and no money moves; the outcome you pick is processed exactly like Stripe's
				webhook would be.
			</div>
			<h1 id="test-payment-title">{payment.purpose === 'card_setup' ? 'Save a test card' : `Pay ${payment.amount}`}</h1>
			<p>{payment.what}</p>
			{payment.lastAttempt ? <p className="notice warning">The last attempt failed ({payment.lastAttempt.replace('_', ' ')}).</p> : null}
			{result?.error ? (
				<p className="form-error" role="alert">
					{result.error}
				</p>
			) : null}
			<Form method="post" className="stack">
				<div className="field">
					<label htmlFor="billingCountry">Billing country</label>
					<select id="billingCountry" name="billingCountry" defaultValue="DE">
						{countries.map((country) => (
							<option key={country.code} value={country.code}>
								{country.name}
							</option>
						))}
					</select>
				</div>
				{payment.purpose === 'card_setup' ? (
					<fieldset>
						<legend>Test card</legend>
						<label className="choice">
							<input type="radio" name="card" value="succeeds" defaultChecked /> A card that pays automatic top-ups
						</label>
						<label className="choice">
							<input type="radio" name="card" value="declines_later" /> A card that is saved but declines later charges
						</label>
					</fieldset>
				) : null}
				<p className="actions">
					<button className="button primary" type="submit" name="intent" value="pay" disabled={navigation.state !== 'idle'}>
						{payment.purpose === 'card_setup' ? 'Save test card' : `Pay ${payment.amount} (test)`}
					</button>
					{payment.purpose === 'card_setup' ? null : (
						<button className="button" type="submit" name="intent" value="decline" disabled={navigation.state !== 'idle'}>
							Simulate a declined card
						</button>
					)}
					<button className="button" type="submit" name="intent" value="cancel" formNoValidate disabled={navigation.state !== 'idle'}>
						Cancel and go back
					</button>
				</p>
			</Form>
		</section>
	)
}
