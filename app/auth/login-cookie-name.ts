/** Named once: the data map's cookie table lists it. */
export const LOGIN_COOKIE_NAME = '__lorica_login'
