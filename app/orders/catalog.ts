import { z } from 'zod'
import type { BaseModelFamily } from '#app/generated/prisma/enums.ts'

// What can be ordered and what it costs. Shared by the wizard's forms (client) and the
// server, which re-validates everything; the ranges follow the providers' trainers
// (../shared/reference/providers.md).

export const FAMILIES = ['flux1_dev', 'sdxl', 'sd15', 'wan21'] as const satisfies readonly BaseModelFamily[]
export const CONCEPT_TYPES = ['character', 'style', 'object'] as const

export const FAMILY_INFO: Record<BaseModelFamily, { label: string; description: string; provider: 'fal' | 'replicate'; video: boolean }> = {
	flux1_dev: { label: 'Flux.1 dev', description: 'Photorealistic and illustrated images, strong prompt following', provider: 'fal', video: false },
	sdxl: { label: 'SDXL', description: 'Versatile 1024 px image model with a large ecosystem', provider: 'replicate', video: false },
	sd15: { label: 'SD 1.5', description: 'Fast, light 512 px image model', provider: 'replicate', video: false },
	wan21: { label: 'Wan 2.1 (video)', description: 'Short video clips of your character, style or object', provider: 'fal', video: true },
}

export const CONCEPT_LABELS = { character: 'Character', style: 'Style', object: 'Object' } as const

export type TrainingSettings = {
	steps: number
	resolution: number
	rank: number
	alpha: number
	unetLr: number
	textEncoderLr: number
	epochs: number
	captions: 'auto' | 'own'
}

export const DEFAULT_SETTINGS: Record<BaseModelFamily, TrainingSettings> = {
	flux1_dev: { steps: 1000, resolution: 1024, rank: 32, alpha: 16, unetLr: 5e-4, textEncoderLr: 0, epochs: 10, captions: 'auto' },
	sdxl: { steps: 1500, resolution: 1024, rank: 32, alpha: 16, unetLr: 5e-4, textEncoderLr: 5e-5, epochs: 10, captions: 'auto' },
	sd15: { steps: 1500, resolution: 512, rank: 32, alpha: 16, unetLr: 5e-4, textEncoderLr: 5e-5, epochs: 10, captions: 'auto' },
	wan21: { steps: 2000, resolution: 512, rank: 32, alpha: 16, unetLr: 2e-4, textEncoderLr: 0, epochs: 10, captions: 'auto' },
}

export const SETTING_RANGES = {
	steps: { min: 100, max: 10_000 },
	resolution: { min: 512, max: 2048 },
	rank: { min: 2, max: 128 },
	alpha: { min: 1, max: 128 },
	unetLr: { min: 1e-6, max: 1e-2 },
	textEncoderLr: { min: 0, max: 1e-3 },
	epochs: { min: 1, max: 50 },
} as const

const between = (name: string, { min, max }: { min: number; max: number }, integer = true) => {
	const base = z.number({ error: `${name} must be a number` })
	return (integer ? base.int(`${name} must be a whole number`) : base)
		.min(min, `${name} must be between ${min} and ${max.toLocaleString('en')}`)
		.max(max, `${name} must be between ${min} and ${max.toLocaleString('en')}`)
}

/** Settings for one family: ranges, plus the rules a trainer would reject. */
export function settingsSchema(family: BaseModelFamily) {
	const textEncoderFrozen = DEFAULT_SETTINGS[family].textEncoderLr === 0
	return z
		.object({
			steps: between('Steps', SETTING_RANGES.steps),
			resolution: between('Resolution', SETTING_RANGES.resolution).refine((value) => value % 64 === 0, 'Resolution must be a multiple of 64'),
			rank: between('Rank', SETTING_RANGES.rank),
			alpha: between('Alpha', SETTING_RANGES.alpha),
			unetLr: between('Learning rate', SETTING_RANGES.unetLr, false),
			textEncoderLr: between('Text-encoder learning rate', SETTING_RANGES.textEncoderLr, false).refine(
				(value) => !textEncoderFrozen || value === 0,
				`${FAMILY_INFO[family].label} trains with a frozen text encoder: its learning rate must be 0`,
			),
			epochs: between('Epochs', SETTING_RANGES.epochs),
			captions: z.enum(['auto', 'own'], { error: 'Choose automatic captions or your own' }),
		})
		.refine((value) => value.alpha <= value.rank, { message: 'Alpha must not be larger than the rank', path: ['alpha'] })
		.refine((value) => value.epochs <= value.steps, { message: 'Epochs cannot exceed the number of steps', path: ['epochs'] })
}

/** Stored settings are re-read through the schema; anything unreadable falls back to the defaults. */
export function readSettings(family: BaseModelFamily, stored: unknown): TrainingSettings {
	const parsed = settingsSchema(family).safeParse({ ...DEFAULT_SETTINGS[family], ...(typeof stored === 'object' && stored ? stored : {}) })
	return parsed.success ? parsed.data : DEFAULT_SETTINGS[family]
}

const PRICING: Record<BaseModelFamily, { base: number; perThousandSteps: number }> = {
	flux1_dev: { base: 100, perThousandSteps: 300 },
	sdxl: { base: 80, perThousandSteps: 200 },
	sd15: { base: 50, perThousandSteps: 120 },
	wan21: { base: 200, perThousandSteps: 600 },
}

/** One coin is one euro cent: a card payment for an order charges its coin price in cents. */
export const COIN_VALUE_CENTS = 1
export const CURRENCY = 'eur'

export function quoteCoins(family: BaseModelFamily, steps: number) {
	const { base, perThousandSteps } = PRICING[family]
	return base + Math.ceil((steps * perThousandSteps) / 1000)
}

export const COIN_BUNDLES = {
	coins_1000: { coins: 1000, priceCents: 1000, label: '1,000 coins' },
	coins_2500: { coins: 2500, priceCents: 2400, label: '2,500 coins (4 % off)' },
	coins_6000: { coins: 6000, priceCents: 5400, label: '6,000 coins (10 % off)' },
} as const

export type CoinBundleId = keyof typeof COIN_BUNDLES

export function isBundleId(value: string): value is CoinBundleId {
	return Object.hasOwn(COIN_BUNDLES, value)
}

export function formatCents(cents: number, currency = CURRENCY) {
	return new Intl.NumberFormat('en-IE', { style: 'currency', currency }).format(cents / 100)
}
