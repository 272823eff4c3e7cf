import type { VersionListItem } from '#app/components/policy-versions.tsx'
import { isPolicyKind, POLICY_TITLES, type PolicyKind } from './kinds.ts'
import { versionState, type ListedPolicy } from './publish.server.ts'

// What the public policy pages share: parameter checks that answer with a sentence, and
// the list of versions each page shows.

export function notFound(message: string): Response {
	return new Response(message, { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
}

export function badRequest(message: string): Response {
	return new Response(message, { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
}

export function requirePolicyKind(kind: string | undefined): { kind: PolicyKind; title: string } {
	if (!isPolicyKind(kind)) throw notFound('There is no such policy. Lorica publishes a Privacy Policy, Terms of Service and a Cookie Policy.')
	return { kind, title: POLICY_TITLES[kind] }
}

export function day(date: Date) {
	return date.toISOString().slice(0, 10)
}

export function versionList(versions: readonly ListedPolicy[], now: Date): VersionListItem[] {
	return versions.map((entry) => ({
		version: entry.version,
		effective: day(entry.effectiveAt),
		state: versionState(versions, entry.version, now).state,
	}))
}
