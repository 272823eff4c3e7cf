import { Form, Link, NavLink } from '@remix-run/react'

export type HeaderUser = { name: string; backOffice: boolean; customer: boolean } | null

export function SiteHeader({ user }: { user: HeaderUser }) {
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
						<NavLink to="/gallery">Gallery</NavLink>
					</li>
					<li>
						<NavLink to="/policies/privacy">Privacy</NavLink>
					</li>
					{user ? (
						<>
							{user.customer ? (
								<>
									<li>
										<NavLink to="/orders">Orders</NavLink>
									</li>
									<li>
										<NavLink to="/wallet">Wallet</NavLink>
									</li>
								</>
							) : null}
							{user.backOffice ? (
								<li>
									<NavLink to="/admin">Back office</NavLink>
								</li>
							) : null}
							<li>
								<NavLink to="/account">Account</NavLink>
							</li>
							<li>
								<Form method="post" action="/logout">
									<button type="submit" className="button">
										Sign out
									</button>
								</Form>
							</li>
						</>
					) : (
						<li>
							<Link to="/login" className="button">
								Sign in
							</Link>
						</li>
					)}
				</ul>
			</nav>
		</header>
	)
}
