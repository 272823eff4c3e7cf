import { describe, expect, test } from 'vitest'
import { useAppAndBrowser } from './fixture.ts'

const running = useAppAndBrowser()

describe('a visitor on the home page', () => {
	test('reads what the service is and follows the footer to the current privacy policy', async () => {
		const page = await running.browser.newPage()
		const errors: string[] = []
		page.on('pageerror', (error) => errors.push(error.message))
		await page.goto(`${running.app.url}/`)
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toMatch(/Train a LoRA on your own material/)
		await page.getByRole('navigation', { name: 'Policies' }).getByRole('link', { name: 'Privacy Policy' }).click()
		await page.waitForURL(`${running.app.url}/policies/privacy`)
		// Client-side navigation: the URL changes before the new page renders, so wait for it.
		await page.getByRole('heading', { level: 1, name: 'Privacy Policy' }).waitFor()
		await expect(page.locator('.eyebrow').textContent()).resolves.toMatch(/Version 1\.0 · effective 2026-11-01/)
		await expect(page.title()).resolves.toBe('Privacy Policy (version 1.0) — Lorica')
		expect(errors).toEqual([])
		await page.close()
	})

	test('can skip to the content with the keyboard', async () => {
		const page = await running.browser.newPage()
		await page.goto(`${running.app.url}/`)
		await page.keyboard.press('Tab')
		await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to content')
		await page.keyboard.press('Enter')
		await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('main')
		await page.close()
	})

	test('on a phone-sized screen the page does not scroll sideways', async () => {
		const page = await running.browser.newPage({ viewport: { width: 360, height: 740 } })
		await page.goto(`${running.app.url}/`)
		const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
		expect(overflow).toBeLessThanOrEqual(0)
		await expect(page.getByRole('link', { name: 'Sign in' }).isVisible()).resolves.toBe(true)
		await page.close()
	})

	test('an unknown address shows a helpful 404 page with a way back', async () => {
		const page = await running.browser.newPage()
		const response = await page.goto(`${running.app.url}/no/such/page`)
		expect(response?.status()).toBe(404)
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Page not found')
		await page.getByRole('link', { name: 'Back to the home page' }).click()
		await page.waitForURL(`${running.app.url}/`)
		await page.close()
	})
})

describe('a visitor and cookies', () => {
	test('sees Accept all and Reject all side by side, rejects with one click, and can review it from the footer', async () => {
		const page = await running.browser.newPage()
		await page.goto(`${running.app.url}/`)
		const banner = page.getByRole('region', { name: 'Cookies' })
		const accept = await banner.getByRole('button', { name: 'Accept all' }).boundingBox()
		const reject = await banner.getByRole('button', { name: 'Reject all' }).boundingBox()
		expect(Math.round(reject!.height)).toBe(Math.round(accept!.height))
		expect(Math.abs(reject!.width - accept!.width)).toBeLessThan(2)
		await banner.getByRole('button', { name: 'Reject all' }).click()
		await banner.waitFor({ state: 'detached' })
		await page.getByRole('link', { name: 'Cookie settings' }).click()
		await page.waitForURL(`${running.app.url}/consent`)
		await expect(page.getByRole('checkbox', { name: /Analytics/ }).isChecked()).resolves.toBe(false)
		await expect(page.getByText(/refused on \d{4}-\d{2}-\d{2}/).count()).resolves.toBe(2)
		await page.close()
	})
})
