import { parseWithZod } from '@conform-to/zod/v4'
import { data, redirect } from '@remix-run/node'
import { TotpSchema } from '#app/components/totp-form.tsx'
import { safeRedirect } from '#app/utils/redirect.ts'
import type { CurrentSession } from './session.server.ts'
import { TwoFactorError, verifySecondFactor } from './two-factor.server.ts'
import { readForm } from '#app/utils/request-body.server.ts'

/** The action behind both TOTP pages: the staff sign-in step and re-verification. */
export async function totpStepAction(request: Request, session: CurrentSession, purpose: 'signin' | 'reverify', fallback: string) {
	const submission = parseWithZod(await readForm(request), { schema: TotpSchema })
	if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 })
	try {
		await verifySecondFactor(session, submission.value.code, purpose)
	} catch (error) {
		if (!(error instanceof TwoFactorError)) throw error
		return data({ result: submission.reply({ fieldErrors: { code: [error.message] } }) }, { status: error.status })
	}
	return redirect(safeRedirect(submission.value.redirectTo, fallback))
}
