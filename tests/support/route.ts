import type { AppLoadContext } from '@remix-run/node'

export const TEST_ORIGIN = 'http://lorica.test'

/** What the Express adapter hands every loader and action. */
export function testContext(overrides: Partial<AppLoadContext> = {}): AppLoadContext {
	// A visitor from elsewhere on the network, connected directly (no proxy).
	return { cspNonce: 'test-nonce', clientIp: '203.0.113.7', peerIp: '203.0.113.7', ...overrides }
}

export function routeArgs(request: Request, params: Record<string, string> = {}, context = testContext()) {
	return { request, params, context }
}

/** Collapses the ways a loader or action can answer into a status and a body. */
export async function callRoute(fn: (args: ReturnType<typeof routeArgs>) => unknown, args: ReturnType<typeof routeArgs>) {
	try {
		return outcome(await fn(args))
	} catch (thrown) {
		if (thrown instanceof Response) return outcome(thrown)
		throw thrown
	}
}

type Outcome = { status: number; location: string | null; headers: Headers; data: unknown }

function outcome(value: unknown): Outcome {
	if (value instanceof Response)
		return { status: value.status, location: value.headers.get('Location'), headers: value.headers, data: null }
	if (value && typeof value === 'object' && (value as { type?: string }).type === 'DataWithResponseInit') {
		const { data, init } = value as { data: unknown; init: ResponseInit | null }
		return { status: init?.status ?? 200, location: null, headers: new Headers(init?.headers), data }
	}
	return { status: 200, location: null, headers: new Headers(), data: value }
}
