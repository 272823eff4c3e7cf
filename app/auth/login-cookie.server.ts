import { createCookie } from '@remix-run/node'
import { getEnv } from '#app/utils/env.server.ts'
import { LOGIN_COOKIE_NAME } from './login-cookie-name.ts'
import { CHALLENGE_TTL_MS } from './login.server.ts'
import { sessionSecrets } from './secrets.server.ts'

// Ties a pending sign-in (code entry, sign-up) to the browser that started it.
function loginCookie() {
	const env = getEnv()
	return createCookie(LOGIN_COOKIE_NAME, {
		httpOnly: true,
		sameSite: 'lax',
		path: '/',
		secure: env.NODE_ENV === 'production' && (env.APP_URL ?? '').startsWith('https:'),
		secrets: sessionSecrets(),
		maxAge: CHALLENGE_TTL_MS / 1000,
	})
}

export async function readLoginChallengeId(request: Request): Promise<string | null> {
	const value = await loginCookie().parse(request.headers.get('cookie'))
	return typeof value === 'string' ? value : null
}

export function setLoginChallengeCookie(challengeId: string) {
	return loginCookie().serialize(challengeId)
}

export function clearLoginChallengeCookie() {
	return loginCookie().serialize('', { maxAge: 0 })
}
