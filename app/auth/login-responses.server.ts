import { redirect } from '@remix-run/node'
import { clearLoginChallengeCookie, setLoginChallengeCookie } from './login-cookie.server.ts'
import type { LoginOutcome } from './login.server.ts'

/** Where a verified sign-in goes next, with the cookies that go with it. */
export async function loginOutcomeResponse(outcome: LoginOutcome) {
	if (outcome.kind === 'signup')
		return redirect('/signup', { headers: { 'Set-Cookie': await setLoginChallengeCookie(outcome.challengeId) } })
	const headers = new Headers()
	headers.append('Set-Cookie', outcome.setCookie)
	headers.append('Set-Cookie', await clearLoginChallengeCookie())
	// Staff go through TOTP (or its enrolment) first; requireUser sends them on from there.
	const to = outcome.needsSecondFactor
		? `/login/two-factor?${new URLSearchParams({ redirectTo: outcome.redirectTo })}`
		: outcome.redirectTo
	return redirect(to, { headers })
}
