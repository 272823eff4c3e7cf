import type { Page } from 'playwright-core'

// Signing in the way a demo visitor does: ask for a code, read it in the demo outbox.

/** Opens the newest outbox message to `email` and returns its text. */
export async function readLatestMail(page: Page, baseUrl: string, email: string) {
	await page.goto(`${baseUrl}/dev/outbox`)
	await page.locator('tr', { hasText: email }).first().getByRole('link').click()
	await page.waitForURL(/\/dev\/outbox\/.+/)
	return (await page.locator('pre').textContent()) ?? ''
}

export async function requestCode(page: Page, baseUrl: string, email: string) {
	await page.goto(`${baseUrl}/login`)
	await page.getByLabel('E-mail address').fill(email)
	await page.getByRole('button', { name: 'Send me a sign-in code' }).click()
	await page.waitForURL(`${baseUrl}/login/code`)
}

/** Requests a code, reads it from the outbox and enters it; resolves once the code is accepted. */
export async function enterEmailedCode(page: Page, baseUrl: string, email: string) {
	await requestCode(page, baseUrl, email)
	const code = /sign-in code is (\d{6})/.exec(await readLatestMail(page, baseUrl, email))?.[1]
	if (!code) throw new Error(`no sign-in code in the outbox for ${email}`)
	await page.goto(`${baseUrl}/login/code`)
	await page.getByLabel('Code').fill(code)
	await page.getByRole('button', { name: 'Continue' }).click()
}
