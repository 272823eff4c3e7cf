// Shared by server and browser code; the documents themselves are read server-side.
export const POLICY_KINDS = ['privacy', 'terms', 'cookies'] as const
export type PolicyKind = (typeof POLICY_KINDS)[number]

export const POLICY_TITLES: Record<PolicyKind, string> = {
	privacy: 'Privacy Policy',
	terms: 'Terms of Service',
	cookies: 'Cookie Policy',
}

export function isPolicyKind(value: string | undefined): value is PolicyKind {
	return (POLICY_KINDS as readonly string[]).includes(value ?? '')
}
