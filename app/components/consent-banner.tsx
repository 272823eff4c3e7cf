import { Form, Link, useLocation } from '@remix-run/react'

/** Accept and reject are the same size, side by side; nothing optional loads until one is chosen. */
export function ConsentBanner() {
	const location = useLocation()
	const redirectTo = `${location.pathname}${location.search}`
	return (
		<section className="consent-banner" aria-labelledby="consent-banner-title">
			<h2 id="consent-banner-title">Cookies</h2>
			<p>
				We use the cookies the service needs to work. With your permission we would also use analytics and advertising
				cookies. You can change your mind at any time under “Cookie settings” at the bottom of every page. See the{' '}
				<Link to="/policies/cookies">Cookie Policy</Link>.
			</p>
			<Form method="post" action="/consent" className="actions">
				<input type="hidden" name="redirectTo" value={redirectTo} />
				<button type="submit" name="intent" value="accept_all" className="button">
					Accept all
				</button>
				<button type="submit" name="intent" value="reject_all" className="button">
					Reject all
				</button>
				<Link to={`/consent?${new URLSearchParams({ redirectTo })}`} className="button">
					Customize
				</Link>
			</Form>
		</section>
	)
}
