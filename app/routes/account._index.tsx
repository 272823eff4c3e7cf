import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { ActionMessages } from '#app/components/forms.tsx'
import { signOutEverywhere, signOutOtherSession } from '#app/auth/account.server.ts'
import { can, isStaff } from '#app/auth/permissions.ts'
import { requirePermission } from '#app/auth/require.server.ts'
import { listActiveSessions, signOutResponse } from '#app/auth/session.server.ts'
import { consentHistory } from '#app/consent/consent.server.ts'
import { marketingAllowed, setMarketingConsent } from '#app/consent/marketing.server.ts'
import { readForm } from '#app/utils/request-body.server.ts'

export const meta: MetaFunction = () => [{ title: 'Your account — Lorica' }]

export async function loader({ request }: LoaderFunctionArgs) {
	const session = await requirePermission(request, 'read:session:own', { policies: 'skip' })
	const [sessions, history, marketing] = await Promise.all([
		listActiveSessions(session.user.id),
		consentHistory(session.user.id),
		marketingAllowed(session.user.id),
	])
	return {
		marketing,
		consents: history.map((event) => ({ ...event, at: event.at.toISOString() })),
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

export async function action({ request, context }: ActionFunctionArgs) {
	const formData = await readForm(request)
	const intent = formData.get('intent')
	if (intent === 'marketing') {
		const session = await requirePermission(request, 'update:user:own', { policies: 'skip' })
		const granted = formData.get('marketing') === 'on'
		await setMarketingConsent(request, context, session.user.id, granted)
		return data({ message: granted ? 'You will get occasional news by e-mail.' : 'You will get no news e-mails.' })
	}
	const session = await requirePermission(request, 'delete:session:own', { policies: 'skip' })
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
	const { user, sessions, canOrder, backOffice, marketing, consents } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
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
			<ActionMessages message={actionData?.message} />
			<div>
				<h2>Your privacy choices</h2>
				<Form method="post" className="stack">
					<div className="field checkbox">
						<input type="checkbox" id="marketing" name="marketing" defaultChecked={marketing} key={String(marketing)} />
						<label htmlFor="marketing">Send me occasional news about Lorica by e-mail (you can unsubscribe from every one).</label>
					</div>
					<p className="actions">
						<button type="submit" name="intent" value="marketing" className="button">
							Save e-mail preference
						</button>
						<Link to="/consent">Cookie settings</Link>
					</p>
				</Form>
				<h3>Consent history</h3>
				{consents.length === 0 ? (
					<p>No choices recorded yet.</p>
				) : (
					<div className="table-scroll">
						<table className="data">
							<thead>
								<tr>
									<th scope="col">When (UTC)</th>
									<th scope="col">Purpose</th>
									<th scope="col">Choice</th>
									<th scope="col">How</th>
									<th scope="col">Notice shown</th>
								</tr>
							</thead>
							<tbody>
								{consents.map((event) => (
									<tr key={event.at + event.purpose + event.method}>
										<td>{event.at.slice(0, 16).replace('T', ' ')}</td>
										<td>{event.purpose.replace('_', ' ')}</td>
										<td>{event.granted ? 'allowed' : 'refused'}</td>
										<td>
											{event.method.replace('_', ' ')}
											{event.gpc ? ' (Global Privacy Control on)' : ''}
										</td>
										<td>
											{event.noticeKind} {event.noticeVersion}
										</td>
									</tr>
								))}
							</tbody>
						</table>
					</div>
				)}
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
