import { Link, NavLink } from '@remix-run/react'

export function SiteHeader() {
	return (
		<header className="site-header">
			<nav aria-label="Main" className="site-nav">
				<Link to="/" className="brand" aria-label="Lorica home">
					Lorica
				</Link>
				<ul>
					<li>
						<Link to="/#how-it-works">How it works</Link>
					</li>
					<li>
						<Link to="/#your-rights">Your rights</Link>
					</li>
					<li>
						<NavLink to="/policies/privacy">Privacy</NavLink>
					</li>
					<li>
						<Link to="/login" className="button">
							Sign in
						</Link>
					</li>
				</ul>
			</nav>
		</header>
	)
}
