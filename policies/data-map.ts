import type { FieldStrategy, ModelWhere, DataMap, Duration } from '#app/privacy/data-map-schema.ts'
import { dataMapSchema } from '#app/privacy/data-map-schema.ts'
import { CONSENT_COOKIE_NAME } from '#app/consent/consent-cookie-name.ts'
import { LOGIN_COOKIE_NAME } from '#app/auth/login-cookie-name.ts'
import { SESSION_COOKIE_NAME } from '#app/auth/session-cookie-name.ts'

// THE DATA MAP: every category of personal data Lorica holds, where it lives, why, on what
// legal basis, for how long, and who receives it. The privacy policy's retention, recipient
// and cookie sections, the retention jobs, erasure, export and the Art. 30 record are all
// derived from this one declaration. Change it here, and publish a new policy version.

/** Every category, by id: code names a category as `category('source_images')`, and a typo does not compile. */
export const CATEGORY_IDS = [
	'account',
	'two_factor',
	'sessions',
	'sign_in_requests',
	'rate_limit_counters',
	'policy_acceptances',
	'policy_notices',
	'consent_records',
	'audit_log',
	'unpaid_orders',
	'orders',
	'source_images',
	'private_results',
	'published_results',
	'payments',
	'coin_lots',
	'billing_settings',
	'legal_holds',
	'export_archives',
] as const

export type CategoryId = (typeof CATEGORY_IDS)[number]

/**
 * Periods the policies and pages state that are not retention rules. The code that sets a
 * cookie, signs a link or credits coins reads its period from here (app/privacy/periods.ts).
 * `coinLifetime` is the commercial term of the Terms ("coins expire 12 months after
 * purchase"); how long the ledger is kept is the coin_lots retention rule, a separate figure.
 */
export const PERIODS = {
	sessionCookie: { amount: 30, unit: 'days' },
	loginCookie: { amount: 15, unit: 'minutes' },
	consentCookie: { amount: 12, unit: 'months' },
	downloadLink: { amount: 15, unit: 'minutes' },
	coinLifetime: { amount: 12, unit: 'months' },
} as const satisfies Record<string, Duration>

export type PeriodName = keyof typeof PERIODS

/** The scope predicates: which rows of each model a scoped category covers. */
const NEVER_PAID = { paidAt: null } satisfies ModelWhere<'Order'>
const PAID = { paidAt: { not: null } } satisfies ModelWhere<'Order'>
const UNPUBLISHED = { publishedAt: null } satisfies ModelWhere<'ResultFile'>
const PUBLISHED = { publishedAt: { not: null } } satisfies ModelWhere<'ResultFile'>

const ACCOUNT = [{ field: 'userId', to: 'User' }]
const OF_ORDER = [{ field: 'orderId', to: 'Order' }]

/** Anonymising keeps what the accounts need and cuts the link to the person. */
function keepAll(fields: readonly string[], overrides: Record<string, FieldStrategy> = {}): Record<string, FieldStrategy> {
	return { ...Object.fromEntries(fields.map((field) => [field, 'keep' as const])), ...overrides }
}

export type DataMapConfig = {
	/** Statutory retention of payment and tax records, in years after the end of the tax year. */
	paymentRecordYears: number
}

const ACCOUNT_FIELDS = ['email', 'displayName', 'role', 'ageConfirmedAt', 'createdAt', 'updatedAt']
const ORDER_FIELDS = [
	'conceptDescription',
	'triggerWords',
	'settings',
	'baseModel',
	'conceptType',
	'priceCoins',
	'status',
	'wizardStep',
	'provider',
	'termsVersion',
	'attestedAt',
	'refundTo',
	'paidWith',
	'paidAt',
	'createdAt',
	'updatedAt',
]
const RESULT_FIELDS = ['kind', 'displayName', 'mime', 'bytes', 'createdAt', 'publishedAt']
const PAYMENT_FIELDS = [
	'purpose',
	'mode',
	'status',
	'coins',
	'amountSubtotal',
	'amountTax',
	'amountTotal',
	'amountRefunded',
	'currency',
	'billingCountry',
	'stripeCheckoutSessionId',
	'stripePaymentIntentId',
	'stripeSetupIntentId',
	'checkoutUrl',
	'invoiceNumber',
	'failureReason',
	'disputeStatus',
	'createdAt',
	'paidAt',
	'updatedAt',
]
const REFUND_FIELDS = ['destination', 'amount', 'reason', 'status', 'stripeRefundId', 'createdById', 'createdAt', 'completedAt']
const COIN_LOT_FIELDS = ['source', 'coins', 'acquiredAt', 'expiresAt', 'expiryWarnedAt']
const LEDGER_FIELDS = ['kind', 'amount', 'reason', 'actorId', 'createdAt']

export function declareDataMap(config: DataMapConfig): DataMap {
	const map = dataMapSchema.parse({
		recipients: [
			{
				id: 'fal',
				name: 'fal (Features and Labels, Inc.)',
				role: 'training_provider',
				purpose: 'runs the GPU training of orders sent to it',
				country: 'United States',
				safeguard: 'EU–US Data Privacy Framework; Standard Contractual Clauses',
			},
			{
				id: 'replicate',
				name: 'Replicate, Inc.',
				role: 'training_provider',
				purpose: 'runs the GPU training of orders sent to it',
				country: 'United States',
				safeguard: 'Standard Contractual Clauses',
			},
			{
				id: 'stripe',
				name: 'Stripe Payments Europe, Ltd.',
				role: 'payment_processor',
				purpose: 'takes card payments; card numbers never reach Lorica',
				country: 'Ireland (EEA)',
				safeguard: 'none needed (EEA); onward transfers under Standard Contractual Clauses',
			},
			{
				id: 'mail',
				name: 'our e-mail delivery provider',
				role: 'mail_provider',
				purpose: 'delivers sign-in codes and service e-mails',
				country: 'European Union',
				safeguard: 'none needed (EEA)',
			},
		],
		categories: [
			{
				id: 'account',
				name: 'Account',
				description: 'E-mail address, display name, role, age confirmation and account dates',
				subjects: ['customers', 'staff'],
				status: 'active',
				storage: [{ kind: 'database', model: 'User', fields: ACCOUNT_FIELDS, subject: [{ field: 'id', to: 'User' }], clock: { event: 'account_closed' } }],
				purposes: ['provide the service you signed up for', 'contact you about your orders'],
				legalBasis: 'contract',
				retention: { duration: null, clock: 'account_closed', end: 'delete', reason: undefined },
				recipients: ['mail'],
				exported: true,
				holds: ['customer'],
				restriction: true,
				// Everything that cascades from User goes with it; orders restrict, so their own categories delete or anonymise them first.
				deleteOrder: ['Order', 'User'],
			},
			{
				id: 'two_factor',
				name: 'Two-factor authentication',
				description: 'Encrypted authenticator secret and when it was set up (staff, and customers who turn it on)',
				subjects: ['staff', 'customers'],
				status: 'active',
				storage: [{ kind: 'database', model: 'User', fields: ['totpSecret', 'totpEnabledAt', 'totpLastStep'], subject: [{ field: 'id', to: 'User' }], clock: { event: 'account_closed' } }],
				purposes: ['keep accounts with access to other people’s data secure'],
				legalBasis: 'legitimate_interest',
				retention: { duration: null, clock: 'account_closed', end: 'delete' },
				recipients: [],
				exported: false,
				holds: [],
				restriction: false,
				deleteOrder: ['Order', 'User'],
			},
			{
				id: 'sessions',
				name: 'Sign-in sessions',
				description: 'Which browser is signed in (browser and system name), when it signed in and was last active',
				subjects: ['customers', 'staff'],
				status: 'active',
				storage: [
					{
						kind: 'database',
						model: 'Session',
						fields: ['userAgent', 'createdAt', 'lastSeenAt', 'expiresAt', 'revokedAt', 'revokedReason', 'secondFactorAt', 'reverifiedAt'],
						subject: ACCOUNT,
						clock: { columns: ['revokedAt', 'expiresAt'] },
					},
				],
				purposes: ['keep you signed in', 'let you see and end your sessions', 'detect account abuse'],
				legalBasis: 'legitimate_interest',
				retention: { duration: { amount: 90, unit: 'days' }, clock: 'session_end', end: 'delete' },
				recipients: [],
				exported: true,
				holds: [],
				restriction: false,
				deleteOrder: ['Session'],
			},
			{
				id: 'sign_in_requests',
				name: 'Sign-in requests',
				description: 'The e-mail address a sign-in code was sent to, when, and how many wrong codes were tried',
				subjects: ['customers', 'staff', 'visitors'],
				status: 'active',
				storage: [
					{
						kind: 'database',
						model: 'LoginChallenge',
						fields: ['email', 'tokenHash', 'codeHash', 'attempts', 'createdAt', 'expiresAt', 'verifiedAt', 'consumedAt', 'redirectTo'],
						subject: [{ field: 'email', to: 'email' }],
						clock: { columns: ['createdAt'] },
					},
				],
				purposes: ['sign you in', 'stop attempts to guess codes'],
				legalBasis: 'legitimate_interest',
				retention: { duration: { amount: 90, unit: 'days' }, clock: 'created', end: 'delete' },
				recipients: ['mail'],
				exported: false,
				holds: [],
				restriction: false,
				deleteOrder: ['LoginChallenge'],
			},
			{
				id: 'rate_limit_counters',
				name: 'Abuse counters',
				description: 'Counts of recent attempts per keyed hash of an IP or e-mail address (never the address itself)',
				subjects: ['customers', 'staff', 'visitors'],
				status: 'active',
				storage: [{ kind: 'database', model: 'RateLimitBucket', fields: ['key', 'windowStart', 'count'], subject: [{ field: 'key', to: 'keyed_hash' }], clock: { columns: ['windowStart'] } }],
				purposes: ['stop brute-force and flooding'],
				legalBasis: 'legitimate_interest',
				retention: { duration: { amount: 1, unit: 'days' }, clock: 'window_end', end: 'delete' },
				recipients: [],
				exported: false,
				holds: [],
				restriction: false,
				deleteOrder: ['RateLimitBucket'],
			},
			{
				id: 'policy_acceptances',
				name: 'Policy acceptances',
				description: 'Which version of the Terms and Privacy Policy you accepted, when, and where',
				subjects: ['customers'],
				status: 'active',
				storage: [{ kind: 'database', model: 'PolicyAcceptance', fields: ['kind', 'version', 'context', 'acceptedAt'], subject: ACCOUNT, clock: { event: 'account_closed' } }],
				purposes: ['prove what you agreed to'],
				legalBasis: 'legal_claims',
				retention: { duration: { amount: 3, unit: 'years' }, clock: 'account_closed', end: 'delete' },
				recipients: [],
				exported: true,
				holds: ['customer'],
				restriction: true,
				deleteOrder: ['PolicyAcceptance'],
			},
			{
				id: 'policy_notices',
				name: 'Policy change notices',
				description: 'That we e-mailed you about a material change of a policy, which version, and when',
				subjects: ['customers'],
				status: 'active',
				storage: [
					{
						kind: 'database',
						model: 'PolicyNotice',
						fields: ['kind', 'version', 'status', 'attempts', 'lastError', 'createdAt', 'claimedAt', 'sentAt'],
						subject: ACCOUNT,
						clock: { event: 'account_closed' },
					},
				],
				purposes: ['tell you about material changes before you must accept them', 'prove that we did'],
				legalBasis: 'legal_obligation',
				retention: { duration: { amount: 3, unit: 'years' }, clock: 'account_closed', end: 'delete' },
				recipients: ['mail'],
				exported: true,
				holds: ['customer'],
				restriction: true,
				deleteOrder: ['PolicyNotice'],
			},
			{
				id: 'consent_records',
				name: 'Consent records',
				description:
					'Each choice about optional cookies and marketing e-mail: an anonymous consent id (linked to your account when you sign in), the purpose, yes or no, how you chose, the notice version shown, whether your browser sent Global Privacy Control, a keyed hash of your IP address and your browser name',
				subjects: ['customers', 'visitors'],
				status: 'active',
				storage: [
					{
						kind: 'database',
						model: 'ConsentEvent',
						fields: ['subjectId', 'purpose', 'granted', 'method', 'noticeKind', 'noticeVersion', 'gpc', 'ipHash', 'userAgent', 'at'],
						subject: [{ field: 'subjectId', to: 'consent_subject' }, ...ACCOUNT],
						clock: { columns: ['at'] },
					},
				],
				purposes: ['respect your choices', 'prove them (Art. 7(1) GDPR)'],
				legalBasis: 'legal_obligation',
				retention: { duration: { amount: 3, unit: 'years' }, clock: 'created', end: 'delete' },
				recipients: [],
				exported: true,
				holds: ['customer'],
				restriction: true,
				deleteOrder: ['ConsentEvent'],
			},
			{
				id: 'audit_log',
				name: 'Audit log',
				description: 'Privileged and privacy-relevant actions: who (an account id), what, on what, when — no contact details',
				subjects: ['customers', 'staff'],
				status: 'active',
				storage: [
					{
						kind: 'database',
						model: 'AuditEvent',
						fields: ['actorId', 'actorRole', 'action', 'targetType', 'targetId', 'detail', 'at'],
						// An account id that is not a foreign key: the log outlives the account.
						subject: [{ field: 'actorId', to: 'User' }],
						clock: { columns: ['at'] },
					},
				],
				purposes: ['demonstrate compliance (Art. 5(2) GDPR)', 'investigate misuse of staff access'],
				legalBasis: 'legal_obligation',
				retention: {
					duration: null,
					clock: 'created',
					end: 'keep',
					reason: 'the accountability record must stay complete and tamper-evident; it holds account ids only, which lose their link to a person when the account is erased',
				},
				recipients: [],
				exported: false,
				holds: [],
				restriction: false,
			},
			{
				id: 'unpaid_orders',
				name: 'Unpaid orders',
				description: 'Orders that were started but never paid: concept, trigger words, settings',
				subjects: ['customers'],
				status: 'active',
				scope: { id: 'never_paid', label: 'orders that were never paid' },
				storage: [
					{ kind: 'database', model: 'Order', fields: ORDER_FIELDS, subject: [{ field: 'customerId', to: 'User' }], clock: { columns: ['updatedAt'] }, where: NEVER_PAID },
					{ kind: 'database', model: 'OrderStatusChange', fields: ['from', 'to', 'at'], subject: OF_ORDER, clock: { columns: ['at'] }, where: { order: NEVER_PAID } satisfies ModelWhere<'OrderStatusChange'> },
				],
				purposes: ['let you finish an order you started'],
				legalBasis: 'contract',
				retention: { duration: { amount: 7, unit: 'days' }, clock: 'last_activity', end: 'delete' },
				recipients: [],
				exported: true,
				holds: ['customer', 'order'],
				restriction: true,
				// The images of a draft cascade with it; the status history is listed first all the same.
				deleteOrder: ['OrderStatusChange', 'Order'],
			},
			{
				id: 'orders',
				name: 'Orders',
				description: 'Paid training orders: base model, concept, trigger words, settings, price and status history',
				subjects: ['customers'],
				status: 'active',
				scope: { id: 'paid', label: 'orders that were paid' },
				storage: [
					{
						kind: 'database',
						model: 'Order',
						fields: ORDER_FIELDS,
						subject: [{ field: 'customerId', to: 'User' }],
						clock: { columns: ['paidAt'] },
						where: PAID,
						anonymise: keepAll(ORDER_FIELDS, {
							customerId: 'null',
							conceptDescription: { replace: 'anonymised' },
							triggerWords: { replace: [] },
							settings: { replace: {} },
						}),
					},
					{
						kind: 'database',
						model: 'OrderStatusChange',
						fields: ['from', 'to', 'at'],
						subject: OF_ORDER,
						clock: { columns: ['at'] },
						where: { order: PAID } satisfies ModelWhere<'OrderStatusChange'>,
						anonymise: keepAll(['from', 'to', 'at']),
					},
				],
				purposes: ['perform the training you ordered', 'keep the accounting record of the sale'],
				legalBasis: 'contract',
				retention: {
					duration: { amount: config.paymentRecordYears, unit: 'years' },
					clock: 'end_of_tax_year',
					end: 'anonymise',
					reason: 'the sale stays in the accounts; what identifies you is removed',
				},
				recipients: ['fal', 'replicate'],
				exported: true,
				holds: ['customer', 'order'],
				restriction: true,
			},
			{
				id: 'source_images',
				name: 'Reference images',
				description: 'The images you upload for training, with their captions (location metadata is stripped on upload)',
				subjects: ['customers'],
				status: 'active',
				storage: [
					{
						kind: 'database',
						model: 'SourceImage',
						fields: ['displayName', 'caption', 'sha256', 'format', 'width', 'height', 'bytes', 'uploadedAt'],
						subject: OF_ORDER,
						clock: { columns: ['uploadedAt'] },
					},
					{ kind: 'file', fileKind: 'source_image' },
				],
				purposes: ['train the LoRA you ordered'],
				legalBasis: 'contract',
				retention: { duration: { amount: 30, unit: 'days' }, clock: 'uploaded', end: 'delete' },
				recipients: ['fal', 'replicate'],
				exported: true,
				holds: ['customer', 'order'],
				restriction: true,
				deleteOrder: ['SourceImage'],
			},
			{
				id: 'private_results',
				name: 'Results you have not published',
				description: 'Trained LoRA weights and sample images',
				subjects: ['customers'],
				status: 'active',
				scope: { id: 'unpublished', label: 'results not marked public' },
				storage: [
					{ kind: 'database', model: 'ResultFile', fields: RESULT_FIELDS, subject: OF_ORDER, clock: { columns: ['createdAt'] }, where: UNPUBLISHED },
					{ kind: 'file', fileKind: 'result' },
				],
				purposes: ['deliver what you ordered'],
				legalBasis: 'contract',
				retention: { duration: { amount: 6, unit: 'months' }, clock: 'completed', end: 'delete' },
				recipients: [],
				exported: true,
				holds: ['customer', 'order'],
				restriction: true,
				deleteOrder: ['ResultFile'],
			},
			{
				id: 'published_results',
				name: 'Results you published',
				description: 'Sample images you chose to show in the public gallery (released under CC0)',
				subjects: ['customers'],
				status: 'active',
				scope: { id: 'published', label: 'results marked public' },
				storage: [
					{ kind: 'database', model: 'ResultFile', fields: RESULT_FIELDS, subject: OF_ORDER, clock: { event: 'removed' }, where: PUBLISHED },
					{ kind: 'file', fileKind: 'result' },
				],
				purposes: ['show your work in the public gallery'],
				legalBasis: 'consent',
				retention: { duration: null, clock: 'removed', end: 'delete' },
				recipients: [],
				exported: true,
				holds: ['customer', 'order'],
				restriction: true,
				deleteOrder: ['ResultFile'],
			},
			{
				id: 'payments',
				name: 'Payment and tax records',
				description: 'Stripe identifiers, amounts, tax, currency, billing country and status — never card numbers',
				subjects: ['customers'],
				status: 'active',
				storage: [
					{
						kind: 'database',
						model: 'Payment',
						fields: PAYMENT_FIELDS,
						subject: [...ACCOUNT, ...OF_ORDER],
						clock: { columns: ['paidAt', 'createdAt'] },
						// The checkout link is the customer's own session at Stripe; the rest is the accounting record.
						anonymise: keepAll(PAYMENT_FIELDS, { userId: 'null', checkoutUrl: 'null' }),
					},
					{
						kind: 'database',
						model: 'Refund',
						fields: REFUND_FIELDS,
						subject: [{ field: 'paymentId', to: 'Payment' }, ...OF_ORDER],
						clock: { columns: ['completedAt', 'createdAt'] },
						// A staff refund's reason is free text about the customer.
						anonymise: keepAll(REFUND_FIELDS, { reason: { replace: 'anonymised' } }),
					},
				],
				purposes: ['take payment', 'meet accounting and tax obligations'],
				legalBasis: 'legal_obligation',
				retention: {
					duration: { amount: config.paymentRecordYears, unit: 'years' },
					clock: 'end_of_tax_year',
					end: 'anonymise',
					reason: 'tax law requires the accounting facts; the link to you is removed',
				},
				recipients: ['stripe'],
				exported: true,
				holds: ['customer', 'order'],
				restriction: true,
			},
			{
				id: 'coin_lots',
				name: 'Coin balance',
				description: 'Coins you bought, spent, were refunded or that expired',
				subjects: ['customers'],
				status: 'active',
				storage: [
					{
						kind: 'database',
						model: 'CoinLot',
						fields: COIN_LOT_FIELDS,
						subject: ACCOUNT,
						clock: { columns: ['acquiredAt'] },
						anonymise: keepAll(COIN_LOT_FIELDS, { userId: 'null' }),
					},
					{
						kind: 'database',
						model: 'CoinLedgerEntry',
						fields: LEDGER_FIELDS,
						subject: [...ACCOUNT, { field: 'lotId', to: 'CoinLot' }],
						clock: { columns: ['createdAt'] },
						// The ledger trigger lets exactly userId and orderId be cleared; entries are never rewritten.
						anonymise: keepAll(LEDGER_FIELDS, { userId: 'null' }),
					},
				],
				purposes: ['let you pay with coins'],
				legalBasis: 'contract',
				retention: { duration: { amount: 12, unit: 'months' }, clock: 'purchased', end: 'anonymise', reason: 'unspent coins expire; the ledger entry stays as an accounting record' },
				recipients: [],
				exported: true,
				// A lot belongs to a wallet, not to an order: only a hold on the customer keeps it.
				holds: ['customer'],
				restriction: true,
			},
			{
				id: 'billing_settings',
				name: 'Billing settings',
				description: 'Your Stripe customer id, the Stripe id of a card you saved for automatic top-ups (never the card number), and your top-up choices',
				subjects: ['customers'],
				status: 'active',
				storage: [
					{
						kind: 'database',
						model: 'Wallet',
						fields: ['stripeCustomerId', 'paymentMethodId', 'autoTopUp', 'autoTopUpThreshold', 'autoTopUpBundle', 'autoTopUpFailedAt', 'autoTopUpFailure', 'updatedAt'],
						subject: ACCOUNT,
						clock: { event: 'account_closed' },
					},
				],
				purposes: ['top up your coins automatically when you asked for it'],
				legalBasis: 'contract',
				retention: { duration: null, clock: 'account_closed', end: 'delete' },
				recipients: ['stripe'],
				exported: true,
				holds: ['customer'],
				restriction: true,
				deleteOrder: ['Wallet'],
			},
			{
				id: 'legal_holds',
				name: 'Legal holds',
				description: 'That an order or account is under a legal hold (for example a card dispute), why, and when it was placed and released',
				subjects: ['customers'],
				status: 'active',
				storage: [
					{
						kind: 'database',
						model: 'LegalHold',
						fields: ['source', 'reference', 'reason', 'placedAt', 'releasedAt', 'releaseNote'],
						subject: [...ACCOUNT, ...OF_ORDER],
						clock: { columns: ['releasedAt'] },
					},
				],
				purposes: ['keep what a legal claim needs until it is settled'],
				legalBasis: 'legal_claims',
				retention: { duration: { amount: 3, unit: 'years' }, clock: 'hold_released', end: 'delete' },
				recipients: [],
				exported: true,
				// A hold is what keeps other data; it cannot hold itself.
				holds: [],
				restriction: true,
				deleteOrder: ['LegalHold'],
			},
			{
				id: 'export_archives',
				name: 'Data export archives',
				description: 'The archive of your data you asked us to prepare',
				subjects: ['customers'],
				status: 'planned',
				storage: [{ kind: 'file', fileKind: 'export_archive' }],
				purposes: ['give you a copy of your data'],
				legalBasis: 'legal_obligation',
				retention: { duration: { amount: 7, unit: 'days' }, clock: 'created', end: 'delete' },
				recipients: [],
				exported: false,
				holds: [],
				restriction: false,
			},
		],
		cookies: [
			{ name: SESSION_COOKIE_NAME, purpose: 'mandatory', description: 'keeps you signed in', lifetime: { period: 'sessionCookie', orUntil: 'you sign out' } },
			{ name: LOGIN_COOKIE_NAME, purpose: 'mandatory', description: 'links a sign-in code to the browser that asked for it', lifetime: { period: 'loginCookie' } },
			{ name: CONSENT_COOKIE_NAME, purpose: 'mandatory', description: 'an anonymous id under which your cookie choices are recorded', lifetime: { period: 'consentCookie' } },
		],
		periods: PERIODS,
	})
	const ids = map.categories.map((item) => item.id)
	if (ids.join() !== CATEGORY_IDS.join()) throw new Error(`CATEGORY_IDS must list the categories in map order: ${ids.join(', ')}`)
	return map
}
