import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { signOutEverywhere, signOutOtherSession } from '#app/auth/account.server.ts'
import { can, isStaff } from '#app/auth/permissions.ts'
import { requirePermission } from '#app/auth/require.server.ts'
import { listActiveSessions, signOutResponse } from '#app/auth/session.server.ts'

export const meta: MetaFunction = () => [{ title: 'Your account — Lorica' }]

export async function loader({ request }: LoaderFunctionArgs) {
	const session = await requirePermission(request, 'read:session:own', { policies: 'skip' })
	const sessions = await listActiveSessions(session.user.id)
	return {
		user: {
			email: session.user.email,
			displayName: session.user.displayName,
			role: session.user.role,
			twoFactor: Boolean(session.user.totpEnabledAt),
		},
		canOrder: can(session.user.role, 'read:order:own') && !isStaff(session.user.role),
		backOffice: can(session.user.role, 'read:backoffice:any'),
		sessions: sessions.map((item) => ({
			id: item.id,
			current: item.id === session.id,
			device: item.userAgent ?? 'Unknown browser',
			createdAt: item.createdAt.toISOString(),
			lastSeenAt: item.lastSeenAt.toISOString(),
		})),
	}
}

export async function action({ request }: ActionFunctionArgs) {
	const session = await requirePermission(request, 'delete:session:own', { policies: 'skip' })
	const formData = await request.formData()
	const intent = formData.get('intent')
	if (intent === 'sign-out-everywhere') {
		await signOutEverywhere(session)
		return signOutResponse('/login')
	}
	if (intent === 'sign-out-session') {
		const ended = await signOutOtherSession(session, String(formData.get('sessionId') ?? ''))
		return data({ message: ended ? 'That device is signed out.' : 'That session had already ended.' }, { status: ended ? 200 : 404 })
	}
	return data({ message: 'Unknown action' }, { status: 400 })
}

function formatDate(iso: string) {
	return new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC'
}

export default function AccountPage() {
	const { user, sessions, canOrder, backOffice } = useLoaderData<typeof loader>()
	return (
		<section className="page narrow stack" aria-labelledby="account-title">
			<div>
				<p className="eyebrow">{user.role} account</p>
				<h1 id="account-title">{user.displayName ?? 'Your account'}</h1>
				<p>Signed in as {user.email}.</p>
				<p className="actions">
					{canOrder ? <Link to="/orders">Your orders</Link> : null}
					{backOffice ? <Link to="/admin">Back office</Link> : null}
					<Link to="/account/two-factor">Two-factor authentication: {user.twoFactor ? 'on' : 'off'}</Link>
				</p>
			</div>
			<div>
				<h2>Where you are signed in</h2>
				<div className="table-scroll">
					<table className="data">
						<thead>
							<tr>
								<th scope="col">Device</th>
								<th scope="col">Signed in</th>
								<th scope="col">Last active</th>
								<th scope="col">
									<span className="visually-hidden">Actions</span>
								</th>
							</tr>
						</thead>
						<tbody>
							{sessions.map((item) => (
								<tr key={item.id}>
									<td>
										{item.device}
										{item.current ? ' (this browser)' : ''}
									</td>
									<td>{formatDate(item.createdAt)}</td>
									<td>{formatDate(item.lastSeenAt)}</td>
									<td>
										{item.current ? null : (
											<Form method="post" className="inline-form">
												<input type="hidden" name="sessionId" value={item.id} />
												<button type="submit" name="intent" value="sign-out-session" className="button">
													Sign out
												</button>
											</Form>
										)}
									</td>
								</tr>
							))}
						</tbody>
					</table>
				</div>
				<Form method="post">
					<p>
						<button type="submit" name="intent" value="sign-out-everywhere" className="button">
							Sign out everywhere
						</button>
					</p>
				</Form>
			</div>
		</section>
	)
}
