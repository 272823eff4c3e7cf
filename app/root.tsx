import { data, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { isRouteErrorResponse, Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteError, useRouteLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
import { SiteFooter } from '#app/components/site-footer.tsx'
import { SiteHeader } from '#app/components/site-header.tsx'
import { can } from '#app/auth/permissions.ts'
import { ConsentBanner } from '#app/components/consent-banner.tsx'
import { applyGpc, consentState, readConsentSubject } from '#app/consent/consent.server.ts'
import { getCurrentSession } from '#app/auth/session.server.ts'
import { outboxOpenTo } from '#app/mail/mail.server.ts'
import appStylesHref from '#app/styles/app.css?url'
import { useNonce } from '#app/utils/nonce-provider.tsx'

export const links: LinksFunction = () => [
	{ rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
	{ rel: 'stylesheet', href: appStylesHref },
]

export const meta: MetaFunction = () => [
	{ title: 'Lorica — LoRA training with your data rights built in' },
	{ name: 'description', content: 'Order LoRA training for image and video models; see, export and delete your data at any time.' },
]

export async function loader({ request, context }: LoaderFunctionArgs) {
	const session = await getCurrentSession(request)
	const who = { subjectId: await readConsentSubject(request), userId: session?.user.id ?? null }
	let consent = await consentState(who)
	const gpc = await applyGpc(request, context, who.userId, consent)
	if (gpc) consent = await consentState({ ...who, subjectId: gpc.subjectId })
	return data(
		{
			user: session
				? { name: session.user.displayName ?? session.user.email, backOffice: can(session.user.role, 'read:backoffice:any'), customer: session.user.role === 'customer' }
				: null,
			demoOutbox: outboxOpenTo(request, context),
			// Nothing optional loads unless these are true; today nothing optional exists.
			consent: {
				banner: consent.needsChoice,
				analytics: consent.purposes.analytics?.granted ?? false,
				advertising: consent.purposes.advertising?.granted ?? false,
			},
		},
		gpc?.setCookie ? { headers: { 'Set-Cookie': gpc.setCookie } } : undefined,
	)
}

export function Layout({ children }: { children: ReactNode }) {
	const nonce = useNonce()
	const rootData = useRouteLoaderData<typeof loader>('root')
	return (
		<html lang="en">
			<head>
				<meta charSet="utf-8" />
				<meta name="viewport" content="width=device-width, initial-scale=1" />
				<Meta />
				<Links />
			</head>
			<body>
				<a className="skip-link" href="#main">
					Skip to content
				</a>
				<SiteHeader user={rootData?.user ?? null} />
				<main id="main" tabIndex={-1}>
					{children}
				</main>
				<SiteFooter demoOutbox={rootData?.demoOutbox ?? false} />
				{rootData?.consent.banner ? <ConsentBanner /> : null}
				<ScrollRestoration nonce={nonce} />
				<Scripts nonce={nonce} />
			</body>
		</html>
	)
}

export default function App() {
	return <Outlet />
}

export function ErrorBoundary() {
	const error = useRouteError()
	const status = isRouteErrorResponse(error) ? error.status : 500
	const title = status === 404 ? 'Page not found' : status === 403 ? 'Not allowed' : 'Something went wrong'
	const detail =
		status === 404
			? 'There is no page at this address. Check the link, or start again from the home page.'
			: isRouteErrorResponse(error) && typeof error.data === 'string'
				? error.data
				: 'The error has been logged. Please try again in a moment.'
	return (
		<section className="page narrow" aria-labelledby="error-title">
			<p className="eyebrow">Error {status}</p>
			<h1 id="error-title">{title}</h1>
			<p>{detail}</p>
			<p>
				<a href="/">Back to the home page</a>
			</p>
		</section>
	)
}
