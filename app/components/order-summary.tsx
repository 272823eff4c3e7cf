import type { ReactNode } from 'react'
import type { TrainingSettings } from '#app/orders/catalog.ts'

export type OrderSummaryProps = {
	family: string
	conceptType: string
	concept: string
	triggerWords: string[]
	images: number
	settings: TrainingSettings
	/** Further rows (price, payment, terms) as <dt>/<dd> pairs. */
	children?: ReactNode
}

/** What was ordered, the same on the review step, the order page and in the back office. */
export function OrderSummary({ family, conceptType, concept, triggerWords, images, settings, children }: OrderSummaryProps) {
	return (
		<dl className="summary">
			<dt>Base model</dt>
			<dd>{family}</dd>
			<dt>Concept</dt>
			<dd>
				{conceptType}: {concept}
			</dd>
			<dt>Trigger words</dt>
			<dd>{triggerWords.join(', ')}</dd>
			<dt>Reference images</dt>
			<dd>{images}</dd>
			<dt>Settings</dt>
			<dd>
				{settings.steps} steps, {settings.resolution} px, rank {settings.rank} / alpha {settings.alpha}, {settings.epochs} epochs,{' '}
				{settings.captions === 'auto' ? 'automatic captions' : 'your captions'}
			</dd>
			{children}
		</dl>
	)
}
