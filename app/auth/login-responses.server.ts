import { redirect } from '@remix-run/node'
import { clearLoginChallengeCookie, setLoginChallengeCookie } from './login-cookie.server.ts'
import type { LoginOutcome } from './login.server.ts'
import { safeRedirect } from '#app/utils/redirect.ts'

/** Where a verified sign-in goes next, with the cookies that go with it. */
export async function loginOutcomeResponse(outcome: LoginOutcome) {
	if (outcome.kind === 'signup')
		return redirect('/signup', { headers: { 'Set-Cookie': await setLoginChallengeCookie(outcome.challengeId) } })
	const headers = new Headers()
	headers.append('Set-Cookie', outcome.setCookie)
	headers.append('Set-Cookie', await clearLoginChallengeCookie())
	// Staff go through TOTP (or its enrolment) first; requireUser sends them on from there.
	// Again here: a challenge stored before redirects were normalised must still sign in.
	const redirectTo = safeRedirect(outcome.redirectTo, '/account')
	const to = outcome.needsSecondFactor ? `/login/two-factor?${new URLSearchParams({ redirectTo })}` : redirectTo
	return redirect(to, { headers })
}
