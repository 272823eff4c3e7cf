import type { BrowserContext } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { totpCode } from '#app/auth/totp.server.ts'
import { useAppAndBrowser } from './fixture.ts'
import { enterEmailedCode, readLatestMail, requestCode } from './sign-in.ts'

// The identity journeys in a real browser against `npm start`'s server, reading mail
// from the demo outbox the way a visitor of the demo does.

const running = useAppAndBrowser()

async function newPage(context?: BrowserContext) {
	const page = await (context ?? (await running.browser.newContext())).newPage()
	const errors: string[] = []
	page.on('pageerror', (error) => errors.push(error.message))
	return { page, errors }
}

describe('identity journeys', () => {
	test('a new customer signs up, signs in on a second browser, and signs out everywhere', async () => {
		const email = 'journey@people.test'
		const { page: a, errors } = await newPage()
		await requestCode(a, running.app.url, email)
		const mail = await readLatestMail(a, running.app.url, email)
		const code = /sign-in code is (\d{6})/.exec(mail)?.[1]
		expect(code).toMatch(/^\d{6}$/)
		await a.goBack()
		await a.goto(`${running.app.url}/login/code`)
		await a.getByLabel('Code').fill(code!)
		await a.getByRole('button', { name: 'Continue' }).click()
		await a.waitForURL(`${running.app.url}/signup`)

		await a.getByRole('button', { name: 'Create account' }).click()
		await expect(a.getByText('confirm that you are 18 or older').isVisible()).resolves.toBe(true)
		await a.getByLabel('Name (optional)').fill('Journey Person')
		await a.getByRole('checkbox', { name: 'I am 18 years of age or older.' }).check()
		await a.getByRole('checkbox', { name: /I accept the Terms of Service/ }).check()
		await expect(a.getByRole('checkbox', { name: /I accept the Terms of Service/ }).isChecked()).resolves.toBe(true)
		await a.getByRole('button', { name: 'Create account' }).click()
		await a.waitForURL(`${running.app.url}/account`)
		await a.getByRole('heading', { level: 1, name: 'Journey Person' }).waitFor()

		const { page: b } = await newPage()
		await requestCode(b, running.app.url, email)
		const link = /(http:\/\/\S+\/login\/link\?token=\S+)/.exec(await readLatestMail(b, running.app.url, email))?.[1]
		expect(link).toBeTruthy()
		await b.goto(link!.replace(/^http:\/\/[^/]+/, running.app.url))
		await b.getByRole('button', { name: 'Sign in' }).click()
		await b.waitForURL(`${running.app.url}/account`)
		await b.getByRole('heading', { level: 1, name: 'Journey Person' }).waitFor()
		await expect(b.locator('tbody tr').count()).resolves.toBe(2)

		await b.getByRole('button', { name: 'Sign out everywhere' }).click()
		await b.waitForURL(`${running.app.url}/login`)
		await a.goto(`${running.app.url}/account`)
		await a.waitForURL(/\/login\?redirectTo=%2Faccount/)
		expect(errors).toEqual([])
	})

	test('the demo DPO must enrol TOTP before the back office opens, then sees an intact audit log and the job schedules', async () => {
		const email = 'dpo@demo.lorica.example'
		const { page, errors } = await newPage()
		await enterEmailedCode(page, running.app.url, email)
		await page.waitForURL(/\/account\/two-factor/)

		await page.goto(`${running.app.url}/admin`)
		await page.waitForURL(/\/account\/two-factor\?redirectTo=%2Fadmin/)
		await expect(page.getByText('Staff accounts must set this up before any back-office page opens.').isVisible()).resolves.toBe(true)
		const secret = (await page.getByTestId('totp-secret').textContent())!
		await page.getByLabel('Authenticator code').fill(totpCode(secret, Math.floor(Date.now() / 30_000)))
		await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click()
		await page.waitForURL(`${running.app.url}/admin`)
		await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()

		await page.getByRole('link', { name: 'Audit log' }).click()
		await page.waitForURL(`${running.app.url}/admin/audit`)
		await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor()
		await expect(page.getByTestId('audit-verification').textContent()).resolves.toMatch(/^Chain intact: all \d+ events verified\.$/)
		await expect(page.locator('td', { hasText: 'auth.totp_enrolled' }).count()).resolves.toBe(1)

		// The DPO may read the job platform: every schedule with its next fire, no retry buttons.
		await page.getByRole('link', { name: 'Jobs' }).click()
		await page.waitForURL(`${running.app.url}/admin/jobs`)
		await page.getByRole('heading', { level: 1, name: 'Jobs' }).waitFor()
		const schedules = page.locator('table', { has: page.getByRole('columnheader', { name: 'Next fire' }) }).locator('tbody tr')
		await expect(schedules.count()).resolves.toBe(4)
		for (const name of ['policy-notices', 'refunds', 'test-checkout-expiry', 'coin-expiry']) {
			const row = schedules.filter({ has: page.getByRole('rowheader', { name }) })
			await expect(row.locator('td').nth(2).textContent()).resolves.toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC \(in \d+ (s|min|h)\)$/)
		}
		await expect(page.getByRole('button', { name: /retry/i }).count()).resolves.toBe(0)
		expect(errors).toEqual([])
	})
})
