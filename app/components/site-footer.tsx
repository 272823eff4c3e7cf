import { Link } from '@remix-run/react'
import { POLICY_TITLES } from '#app/policies/kinds.ts'

export function SiteFooter() {
	return (
		<footer className="site-footer">
			<nav aria-label="Policies">
				<ul>
					{Object.entries(POLICY_TITLES).map(([kind, title]) => (
						<li key={kind}>
							<Link to={`/policies/${kind}`}>{title}</Link>
						</li>
					))}
				</ul>
			</nav>
			<p>Lorica — LoRA training where what the policies say is what the code does.</p>
		</footer>
	)
}
