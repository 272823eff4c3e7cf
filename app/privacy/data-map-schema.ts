import { z } from 'zod'
import { FILE_KINDS } from '#app/files/file-store.server.ts'
import type { Prisma } from '#app/generated/prisma/client.ts'

// The shape of the data map in policies/data-map.ts. Everything that talks about personal
// data — the policy text, retention, erasure, export, the Art. 30 record — reads the map
// through this schema, so a malformed entry stops the build instead of misleading anyone.

export const LEGAL_BASES = {
	contract: 'Performance of a contract (Art. 6(1)(b) GDPR)',
	legitimate_interest: 'Legitimate interest (Art. 6(1)(f) GDPR)',
	legal_obligation: 'Legal obligation (Art. 6(1)(c) GDPR)',
	consent: 'Consent (Art. 6(1)(a) GDPR)',
	legal_claims: 'Establishment, exercise or defence of legal claims (Art. 17(3)(e) GDPR)',
} as const

/** What starts the retention clock, as the policy says it. */
export const CLOCKS = {
	created: 'after it is created',
	uploaded: 'after upload',
	completed: 'after the training completes',
	last_activity: 'after the last change',
	session_end: 'after the session ends (sign-out or expiry)',
	account_closed: 'after the account is closed',
	removed: 'until you or we remove it',
	end_of_tax_year: 'after the end of the tax year of the payment',
	purchased: 'after purchase',
	window_end: 'after the counting window ends',
	hold_released: 'after the hold is released',
} as const

export const END_ACTIONS = { delete: 'deleted', anonymise: 'anonymised', keep: 'kept' } as const

const id = z.string().regex(/^[a-z][a-z0-9_]*$/, 'ids are snake_case')

export const duration = z.object({
	amount: z.number().int().positive(),
	unit: z.enum(['minutes', 'hours', 'days', 'months', 'years']),
})

export type Duration = z.infer<typeof duration>

/** A Prisma `where` for one model, typed by the generated client. */
export type ModelWhere<M extends Prisma.ModelName> = NonNullable<Prisma.TypeMap['model'][M]['operations']['findMany']['args']['where']>

/** Identifiers of a person that are not an account: what a subject link may end at besides User. */
export const SUBJECT_IDENTIFIERS = {
	consent_subject: 'the anonymous consent id in the __lorica_consent cookie',
	email: 'an e-mail address, with or without an account',
	keyed_hash: 'a keyed hash of an IP or e-mail address',
} as const

/**
 * How a row reaches the person it is about: `field` of this model holds the id of a row of
 * `to` (a model; `id` of User itself is `{ field: 'id', to: 'User' }`), or an identifier of
 * someone without an account.
 */
const subjectLink = z.object({ field: z.string().min(1), to: z.string().min(1) })

/**
 * What starts the clock on a row: the earliest non-null of `columns` (DateTime columns of the
 * model), or an event no column of the model records — the erasure of the account, or the
 * removal of the row itself.
 */
const clock = z.union([
	z.object({ columns: z.array(z.string().min(1)).min(1) }),
	z.object({ event: z.enum(['account_closed', 'removed']) }),
])

/** What anonymisation does to one field. */
export const fieldStrategy = z.union([z.enum(['null', 'keyed_hash', 'keep']), z.object({ replace: z.union([z.string(), z.number(), z.array(z.string()), z.record(z.string(), z.never())]) })])
export type FieldStrategy = z.infer<typeof fieldStrategy>

const databaseStorage = z.object({
	kind: z.literal('database'),
	model: z.string().min(1),
	fields: z.array(z.string().min(1)).min(1),
	subject: z.array(subjectLink).min(1),
	clock,
	/** The rows of the category's scope, as a Prisma `where` on this model; all rows without one. */
	where: z.record(z.string(), z.unknown()).optional(),
	/** For `anonymise`: a strategy for every mapped field and for the subject link fields. */
	anonymise: z.record(z.string(), fieldStrategy).optional(),
})

export type DatabaseStorage = z.infer<typeof databaseStorage>

export const retentionRule = z
	.object({
		/** null: no fixed period; the clock event itself ends it ("until removed"). */
		duration: duration.nullable(),
		clock: z.enum(Object.keys(CLOCKS) as [keyof typeof CLOCKS, ...(keyof typeof CLOCKS)[]]),
		end: z.enum(['delete', 'anonymise', 'keep']),
		/** Why data is kept or anonymised instead of deleted; required for `keep`. */
		reason: z.string().min(10).optional(),
	})
	.refine((rule) => rule.end !== 'keep' || rule.reason, { message: 'a rule that keeps data must say why', path: ['reason'] })
	.refine((rule) => rule.duration !== null || rule.clock === 'removed' || rule.clock === 'account_closed' || rule.end === 'keep', {
		message: 'only data kept "until removed", "until the account is closed" or kept for a reason may have no duration',
		path: ['duration'],
	})

const storage = z.discriminatedUnion('kind', [databaseStorage, z.object({ kind: z.literal('file'), fileKind: z.enum(FILE_KINDS) })])

export const HOLD_SCOPES = ['customer', 'order'] as const

export const recipient = z.object({
	id,
	name: z.string().min(1),
	role: z.enum(['processor', 'training_provider', 'payment_processor', 'mail_provider']),
	purpose: z.string().min(1),
	country: z.string().min(2),
	/** How a transfer outside the EEA is safeguarded; "none needed (EEA)" inside it. */
	safeguard: z.string().min(3),
})

export const category = z.object({
	id,
	name: z.string().min(1),
	description: z.string().min(1),
	subjects: z.array(z.enum(['customers', 'staff', 'visitors', 'reporters'])).min(1),
	/**
	 * `planned`: promised by the published terms and declared ahead of the feature that will
	 * store it; its storage is not checked against the schema yet.
	 */
	status: z.enum(['active', 'planned']),
	/**
	 * A subset of the storage's rows the rule applies to: a name, the words the policy prints,
	 * and per storage entry the Prisma `where` that selects those rows.
	 */
	scope: z.object({ id, label: z.string().min(1) }).optional(),
	/** Empty only while `planned`: the model that will hold it does not exist yet. */
	storage: z.array(storage),
	purposes: z.array(z.string().min(1)).min(1),
	legalBasis: z.enum(Object.keys(LEGAL_BASES) as [keyof typeof LEGAL_BASES, ...(keyof typeof LEGAL_BASES)[]]),
	retention: retentionRule,
	recipients: z.array(id),
	/** Part of the data-portability export (Art. 20). */
	exported: z.boolean(),
	/** Which live legal holds keep these rows past retention and erasure. */
	holds: z.array(z.enum(HOLD_SCOPES)),
	/** Whether a restriction of processing (Art. 18) freezes these rows. */
	restriction: z.boolean(),
	/** For `delete`: the models in the order their rows go, dependents first. */
	deleteOrder: z.array(z.string().min(1)).optional(),
}).refine((item) => item.status === 'planned' || item.storage.length > 0, { message: 'an active category must say where it is stored', path: ['storage'] })

export const cookie = z.object({
	name: z.string().min(1),
	purpose: z.enum(['mandatory', 'analytics', 'advertising']),
	description: z.string().min(1),
	/** A period of the map's `periods`, and what else ends it, in words. */
	lifetime: z.object({ period: z.string().min(1), orUntil: z.string().min(1).optional() }),
})

export const dataMapSchema = z
	.object({
		recipients: z.array(recipient),
		categories: z.array(category).min(1),
		cookies: z.array(cookie),
		/** Every period the policies and pages state that is not a retention rule (cookie, link and coin lifetimes). */
		periods: z.record(z.string(), duration),
	})
	.superRefine((map, ctx) => {
		const seen = new Set<string>()
		for (const [index, item] of map.categories.entries()) {
			if (seen.has(item.id)) ctx.addIssue({ code: 'custom', message: `duplicate category id ${item.id}`, path: ['categories', index, 'id'] })
			seen.add(item.id)
			for (const recipientId of item.recipients)
				if (!map.recipients.some((known) => known.id === recipientId))
					ctx.addIssue({ code: 'custom', message: `unknown recipient ${recipientId}`, path: ['categories', index, 'recipients'] })
		}
		for (const [index, item] of map.cookies.entries())
			if (!map.periods[item.lifetime.period])
				ctx.addIssue({ code: 'custom', message: `cookie ${item.name} names unknown period ${item.lifetime.period}`, path: ['cookies', index, 'lifetime'] })
	})

export type DataMap = z.infer<typeof dataMapSchema>
export type DataCategory = z.infer<typeof category>
export type RetentionRule = z.infer<typeof retentionRule>
export type Recipient = z.infer<typeof recipient>
export type Cookie = z.infer<typeof cookie>
