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
	PolicyVersion: {
		id: 'random identifier',
		kind: 'published document metadata',
		version: 'published document metadata',
		effectiveAt: 'published document metadata',
		material: 'published document metadata',
		summary: 'published document text',
		body: 'published document text',
		contentHash: 'published document hash',
		publishedAt: 'published document metadata',
	},
}
