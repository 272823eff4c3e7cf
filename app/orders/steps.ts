import { z } from 'zod'
import { CONCEPT_TYPES, FAMILIES } from './catalog.ts'
import { text } from '#app/utils/text-schema.ts'

// The order wizard's steps and its first form, shared by the browser and the server.

export const STEPS = [
	{ step: 1, slug: 'details', title: 'Model and concept' },
	{ step: 2, slug: 'images', title: 'Reference images' },
	{ step: 3, slug: 'settings', title: 'Training settings' },
	{ step: 4, slug: 'attestations', title: 'Your attestations' },
	{ step: 5, slug: 'review', title: 'Quote and payment' },
] as const

export type StepSlug = (typeof STEPS)[number]['slug']

export function stepPath(orderId: string, slug: StepSlug) {
	return slug === 'details' ? `/orders/${orderId}/edit` : `/orders/${orderId}/${slug}`
}

const TRIGGER_WORD = /^[\p{L}\p{N}_-]{2,32}$/u

export const detailsSchema = z.object({
	baseModel: z.enum(FAMILIES, { error: 'Choose a base model family' }),
	conceptType: z.enum(CONCEPT_TYPES, { error: 'Choose what you are training: a character, a style or an object' }),
	conceptDescription: text('Describe the concept in a sentence')
		.trim()
		.min(3, 'Describe the concept in at least 3 characters')
		.max(300, 'Keep the description under 300 characters'),
	triggerWords: z
		.string({ error: 'Give at least one trigger word' })
		.transform((value) => [...new Set(value.split(/[\s,]+/).filter(Boolean))])
		.pipe(
			z
				.array(z.string().regex(TRIGGER_WORD, 'Trigger words are 2–32 letters, digits, - or _, with no spaces'))
				.min(1, 'Give at least one trigger word')
				.max(5, 'Use at most 5 trigger words'),
		),
})

export type Details = z.infer<typeof detailsSchema>

/** Where a customer continues an order: its furthest step while a draft, payment while it waits for one. */
export function resumePath(order: { id: string; status: string; wizardStep: number }) {
	if (order.status === 'draft') return stepPath(order.id, STEPS[Math.min(Math.max(order.wizardStep, 1), STEPS.length) - 1]!.slug)
	if (order.status === 'awaiting_payment') return stepPath(order.id, 'review')
	return null
}
