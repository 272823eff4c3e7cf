import { Link } from '@remix-run/react'
import { POLICY_TITLES } from '#app/policies/kinds.ts'

export function SiteFooter({ demoOutbox }: { demoOutbox: boolean }) {
	return (
		<footer className="site-footer">
			<nav aria-label="Policies">
				<ul>
					{Object.entries(POLICY_TITLES).map(([kind, title]) => (
						<li key={kind}>
							<Link to={`/policies/${kind}`}>{title}</Link>
						</li>
					))}
					<li>
						<Link to="/consent">Cookie settings</Link>
					</li>
				</ul>
			</nav>
			<p>Lorica — LoRA training where what the policies say is what the code does.</p>
			{demoOutbox ? (
				<p>
					Demo mode: no mail server is configured; sign-in e-mails go to the <Link to="/dev/outbox">demo mail outbox</Link>.
				</p>
			) : null}
		</footer>
	)
}
