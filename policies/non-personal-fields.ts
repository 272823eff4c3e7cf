import type { NonPersonalFields } from '#app/privacy/coverage.server.ts'

// Schema fields that are not personal data by themselves. A field missing both here and in
// the data map fails the build (tests/data-map.test.ts); keep every reason honest.

export const NON_PERSONAL_FIELDS: NonPersonalFields = {
	User: { id: 'random identifier' },
	Session: { id: 'hash of a random cookie token', userId: 'link to the account (covered by Account)' },
	LoginChallenge: { id: 'random identifier' },
	PolicyAcceptance: { id: 'random identifier', userId: 'link to the account (covered by Account)' },
	AuditEvent: { seq: 'position in the chain', prevHash: 'chain hash', hash: 'chain hash' },
	Order: { id: 'random identifier', customerId: 'link to the account (covered by Account)' },
	OrderStatusChange: { id: 'random identifier', orderId: 'link to the order' },
	ConsentEvent: { id: 'random identifier', userId: 'link to the account (covered by Account)' },
	PolicyNotice: { id: 'random identifier', userId: 'link to the account (covered by Account)' },
	SourceImage: { id: 'random identifier', orderId: 'link to the order', storageKey: 'random file name' },
	ResultFile: { id: 'random identifier', orderId: 'link to the order', storageKey: 'random file name' },
	Payment: { id: 'random identifier', userId: 'link to the account (covered by Account)', orderId: 'link to the order' },
	InvoiceCounter: { series: 'document number series', last: 'counter' },
	Refund: { id: 'random identifier', paymentId: 'link to the payment', orderId: 'link to the order' },
	StripeEvent: {
		id: 'Stripe event id; the event body is not stored',
		type: 'event type',
		stripeCreatedAt: 'when Stripe created the event',
		receivedAt: 'when it arrived',
		outcome: 'what processing did, as a fixed code',
	},
	CoinLot: { id: 'random identifier', userId: 'link to the account (covered by Account)', paymentId: 'link to the payment' },
	CoinLedgerEntry: { id: 'random identifier', userId: 'link to the account (covered by Account)', lotId: 'link to the lot', orderId: 'link to the order', paymentId: 'link to the payment' },
	Wallet: { userId: 'link to the account (covered by Account)' },
	LegalHold: { id: 'random identifier', userId: 'link to the account (covered by Account)', orderId: 'link to the order' },
	PolicyVersion: {
		id: 'random identifier',
		kind: 'published document metadata',
		version: 'published document metadata',
		effectiveAt: 'published document metadata',
		material: 'published document metadata',
		summary: 'published document text',
		body: 'published document text',
		contentHash: 'published document hash',
		sourceHash: 'published document hash',
		publishedAt: 'published document metadata',
	},
}
