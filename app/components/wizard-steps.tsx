import { Link } from '@remix-run/react'
import { STEPS, stepPath } from '#app/orders/steps.ts'

const SUFFIX = { current: '', done: ' (done)', next: ' (to do)', upcoming: ' (not yet available)' } as const

/**
 * Where the customer is in the order wizard. Steps up to `furthest` can be opened again and
 * are links; later ones are plain text until the steps before them are done. A new order
 * (no id yet) has no links at all.
 */
export function WizardSteps({ orderId, current, furthest }: { orderId?: string | null; current: number; furthest: number }) {
	const title = STEPS.find((step) => step.step === current)?.title
	return (
		<nav className="wizard-steps" aria-labelledby="wizard-steps-title">
			<p id="wizard-steps-title" className="wizard-steps-title">
				Step {current} of {STEPS.length}
				{title ? <span className="visually-hidden">: {title}</span> : null}
			</p>
			<ol>
				{STEPS.map((step) => {
					const isCurrent = step.step === current
					const reachable = Boolean(orderId) && step.step <= furthest
					const state = isCurrent ? 'current' : !reachable ? 'upcoming' : step.step < furthest ? 'done' : 'next'
					const label = (
						<>
							<span className="wizard-step-number" aria-hidden="true">
								{step.step}
							</span>{' '}
							{step.title}
							{isCurrent ? null : <span className="visually-hidden">{SUFFIX[state]}</span>}
						</>
					)
					return (
						<li key={step.slug} className={`wizard-step ${state}`}>
							{isCurrent ? (
								<span aria-current="step">{label}</span>
							) : reachable && orderId ? (
								<Link to={stepPath(orderId, step.slug)}>{label}</Link>
							) : (
								<span>{label}</span>
							)}
						</li>
					)
				})}
			</ol>
		</nav>
	)
}
