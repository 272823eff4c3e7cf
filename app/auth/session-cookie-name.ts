/** Shared with the HTTP layer, which must know a signed-in request without opening the session. */
export const SESSION_COOKIE_NAME = '__lorica_session'
