/** Named once: the data map's cookie table lists it. */
export const CONSENT_COOKIE_NAME = '__lorica_consent'
