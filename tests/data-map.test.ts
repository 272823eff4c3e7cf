import fs from 'node:fs'
import { afterEach, describe, expect, test } from 'vitest'
import { renderPolicySections } from '#app/policies/render.server.ts'
import { checkCoverage, schemaFields } from '#app/privacy/coverage.server.ts'
import { dataMapSchema, type DataMap } from '#app/privacy/data-map-schema.ts'
import { getDataMap, retentionTasks } from '#app/privacy/data-map.server.ts'
import { resetEnvCache } from '#app/utils/env.server.ts'
import { declareDataMap } from '#policies/data-map.ts'
import { NON_PERSONAL_FIELDS } from '#policies/non-personal-fields.ts'

const PRIVACY = fs.readFileSync('policies/privacy/1.0.md', 'utf8')

function withSourceImageDays(map: DataMap, days: number): DataMap {
	return {
		...map,
		categories: map.categories.map((item) =>
			item.id === 'source_images' ? { ...item, retention: { ...item.retention, duration: { amount: days, unit: 'days' } } } : item,
		),
	}
}

afterEach(() => {
	delete process.env.PAYMENT_RECORDS_RETENTION_YEARS
	resetEnvCache()
})

describe('the data map', () => {
	test('covers every field of the Prisma schema, and maps only fields that exist', () => {
		expect(checkCoverage(schemaFields(), getDataMap(), NON_PERSONAL_FIELDS)).toEqual([])
	})

	test('a new field that could hold personal data fails the check, naming the field', () => {
		const fields = schemaFields()
		fields.User = [...fields.User!, 'phoneNumber']
		fields.Invoice = ['id', 'billingAddress']
		const problems = checkCoverage(fields, getDataMap(), NON_PERSONAL_FIELDS).map((problem) => `${problem.model}.${problem.field}`)
		expect(problems).toEqual(['User.phoneNumber', 'Invoice.id', 'Invoice.billingAddress'])
	})

	test('a mapped field that the schema lost is reported too', () => {
		const fields = schemaFields()
		fields.Session = fields.Session!.filter((field) => field !== 'userAgent')
		expect(checkCoverage(fields, getDataMap(), NON_PERSONAL_FIELDS)).toContainEqual({
			model: 'Session',
			field: 'userAgent',
			problem: 'category sessions maps Session.userAgent, which the schema does not have',
		})
	})

	test('encodes the reference retention rules of the terms', () => {
		const byId = Object.fromEntries(getDataMap().categories.map((item) => [item.id, item.retention]))
		expect(byId.source_images).toMatchObject({ duration: { amount: 30, unit: 'days' }, clock: 'uploaded', end: 'delete' })
		expect(byId.private_results).toMatchObject({ duration: { amount: 6, unit: 'months' }, end: 'delete' })
		expect(byId.published_results).toMatchObject({ duration: null, clock: 'removed' })
		expect(byId.payments).toMatchObject({ duration: { amount: 5, unit: 'years' }, clock: 'end_of_tax_year', end: 'anonymise' })
		expect(byId.sessions).toMatchObject({ duration: { amount: 90, unit: 'days' } })
		expect(byId.unpaid_orders).toMatchObject({ duration: { amount: 7, unit: 'days' }, end: 'delete' })
		expect(byId.export_archives).toMatchObject({ duration: { amount: 7, unit: 'days' } })
		expect(byId.coin_lots).toMatchObject({ duration: { amount: 12, unit: 'months' }, clock: 'purchased' })
	})

	test('rejects a rule that keeps data without a reason, and unknown recipients', () => {
		const map = getDataMap()
		const keepless = { ...map, categories: [{ ...map.categories[0]!, retention: { duration: null, clock: 'created', end: 'keep' } }] }
		expect(dataMapSchema.safeParse(keepless).error?.issues.map((issue) => issue.message)).toContain('a rule that keeps data must say why')
		const stranger = { ...map, categories: [{ ...map.categories[0]!, recipients: ['acme'] }] }
		expect(dataMapSchema.safeParse(stranger).error?.issues.map((issue) => issue.message)).toContain('unknown recipient acme')
	})
})

describe('policy text rendered from the data map', () => {
	test('the privacy policy retention table and the retention tasks change together with the map', () => {
		const map = getDataMap()
		expect(renderPolicySections(PRIVACY, map)).toContain('| Reference images | 30 days after upload, then deleted |')
		expect(retentionTasks(map).find((task) => task.categoryId === 'source_images')?.rule.duration).toEqual({ amount: 30, unit: 'days' })

		const changed = withSourceImageDays(map, 14)
		expect(renderPolicySections(PRIVACY, changed)).toContain('| Reference images | 14 days after upload, then deleted |')
		expect(renderPolicySections(PRIVACY, changed)).not.toContain('| Reference images | 30 days')
		expect(retentionTasks(changed).find((task) => task.categoryId === 'source_images')?.rule.duration).toEqual({ amount: 14, unit: 'days' })
	})

	test('the statutory period for payment records is configuration, and the policy says so', () => {
		process.env.PAYMENT_RECORDS_RETENTION_YEARS = '10'
		resetEnvCache()
		expect(renderPolicySections(PRIVACY)).toContain('| Payment and tax records | 10 years after the end of the tax year of the payment, then anonymised')
		expect(declareDataMap({ paymentRecordYears: 10 }).categories.find((item) => item.id === 'orders')?.retention.duration?.amount).toBe(10)
	})

	test('recipients list what each receives, with country and safeguard', () => {
		const text = renderPolicySections('{{data-map:recipients}}')
		expect(text).toContain('| fal (Features and Labels, Inc.) | runs the GPU training of orders sent to it | Orders, Reference images | United States |')
		expect(text).toContain('| Stripe Payments Europe, Ltd. |')
	})

	test('every placeholder in the repository policies is known, and an unknown one is an error', () => {
		for (const kind of ['privacy', 'terms', 'cookies'])
			for (const file of fs.readdirSync(`policies/${kind}`))
				expect(renderPolicySections(fs.readFileSync(`policies/${kind}/${file}`, 'utf8'))).not.toMatch(/\{\{/)
		expect(() => renderPolicySections('{{data-map:retenton}}')).toThrow('Unknown policy placeholder {{data-map:retenton}}; known: retention, categories, recipients, cookies')
	})
})
