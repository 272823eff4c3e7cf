import { NavLink } from '@remix-run/react'

export type BackOfficeLinks = { orders: boolean; users: boolean; audit: boolean; policies: boolean; coins: boolean; jobs: boolean }

export function BackOfficeNav({ links }: { links: BackOfficeLinks }) {
	return (
		<nav aria-label="Back office" className="subnav">
			<ul>
				<li>
					<NavLink to="/admin" end>
						Overview
					</NavLink>
				</li>
				{links.orders ? (
					<li>
						<NavLink to="/admin/orders">Orders</NavLink>
					</li>
				) : null}
				{links.users ? (
					<li>
						<NavLink to="/admin/users">People and roles</NavLink>
					</li>
				) : null}
				{links.coins ? (
					<li>
						<NavLink to="/admin/coins">Coin adjustments</NavLink>
					</li>
				) : null}
				{links.audit ? (
					<li>
						<NavLink to="/admin/audit">Audit log</NavLink>
					</li>
				) : null}
				{links.policies ? (
					<li>
						<NavLink to="/admin/policies">Policies</NavLink>
					</li>
				) : null}
				{links.jobs ? (
					<li>
						<NavLink to="/admin/jobs">Jobs</NavLink>
					</li>
				) : null}
			</ul>
		</nav>
	)
}
