import { parseWithZod } from '@conform-to/zod/v4'
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { ActionMessages } from '#app/components/forms.tsx'
import { BackOfficeNav } from '#app/components/back-office-nav.tsx'
import { backOfficeLinks } from '#app/auth/back-office.server.ts'
import { can } from '#app/auth/permissions.ts'
import { requirePermission, requireRecentVerification } from '#app/auth/require.server.ts'
import { changeRole, listPeople, resetTwoFactor, RoleChangeError } from '#app/auth/roles.server.ts'
import { readForm } from '#app/utils/request-body.server.ts'
import { idField } from '#app/utils/ids.ts'

const ROLES = ['customer', 'support', 'dpo', 'admin'] as const
const RoleSchema = z.discriminatedUnion('intent', [
	z.object({ intent: z.literal('change-role'), userId: idField('Choose a person'), role: z.enum(ROLES, { error: 'Choose one of the four roles' }) }),
	z.object({ intent: z.literal('reset-two-factor'), userId: idField('Choose a person') }),
])

export const meta: MetaFunction = () => [{ title: 'People and roles — Lorica back office' }]

export async function loader({ request }: LoaderFunctionArgs) {
	const session = await requirePermission(request, 'read:user:any')
	const people = await listPeople()
	return {
		links: backOfficeLinks(session.user.role),
		canChangeRoles: can(session.user.role, 'update:role:any'),
		me: session.user.id,
		people: people.map((person) => ({
			id: person.id,
			email: person.email,
			name: person.displayName,
			role: person.role,
			twoFactor: Boolean(person.totpEnabledAt),
			since: person.createdAt.toISOString().slice(0, 10),
		})),
	}
}

export async function action({ request }: ActionFunctionArgs) {
	const session = await requirePermission(request, 'update:role:any')
	requireRecentVerification(request, session)
	const submission = parseWithZod(await readForm(request), { schema: RoleSchema })
	if (submission.status !== 'success') return data({ result: submission.reply(), message: null }, { status: 400 })
	try {
		const value = submission.value
		if (value.intent === 'reset-two-factor') {
			const outcome = await resetTwoFactor(session, value.userId)
			return data({ result: submission.reply({ resetForm: true }), message: `Two-factor authentication reset; ${outcome.revoked} session(s) signed out.` })
		}
		const outcome = await changeRole(session, value.userId, value.role)
		const message = outcome.changed ? `Role changed to ${value.role}; ${outcome.revoked} session(s) signed out.` : 'That person already has this role.'
		return data({ result: submission.reply({ resetForm: true }), message })
	} catch (error) {
		if (!(error instanceof RoleChangeError)) throw error
		return data({ result: submission.reply({ formErrors: [error.message] }), message: null }, { status: 400 })
	}
}

export default function PeoplePage() {
	const { links, people, canChangeRoles, me } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const formError = actionData?.result.error?.[''] ?? actionData?.result.error?.role
	return (
		<section className="page stack" aria-labelledby="people-title">
			<div>
				<p className="eyebrow">Back office</p>
				<h1 id="people-title">People and roles</h1>
				<BackOfficeNav links={links} />
			</div>
			<ActionMessages message={actionData?.message} />
			{formError ? (
				<p className="form-error" role="alert">
					{formError.join(' ')}
				</p>
			) : null}
			{canChangeRoles ? (
				<p className="hint">Changing a role or resetting someone's two-factor authentication needs a fresh authenticator code and signs that person out everywhere.</p>
			) : null}
			<div className="table-scroll">
				<table className="data">
					<thead>
						<tr>
							<th scope="col">Person</th>
							<th scope="col">Role</th>
							<th scope="col">Two-factor</th>
							<th scope="col">Since</th>
						</tr>
					</thead>
					<tbody>
						{people.map((person) => (
							<tr key={person.id}>
								<td>
									{person.name ?? '—'}
									<br />
									{person.email}
								</td>
								<td>
									{canChangeRoles && person.id !== me ? (
										<Form method="post" className="inline-form">
											<input type="hidden" name="userId" value={person.id} />
											<label className="visually-hidden" htmlFor={`role-${person.id}`}>
												Role of {person.email}
											</label>
											<select id={`role-${person.id}`} name="role" defaultValue={person.role}>
												{ROLES.map((role) => (
													<option key={role} value={role}>
														{role}
													</option>
												))}
											</select>{' '}
											<button type="submit" name="intent" value="change-role" className="button">
												Change
											</button>
										</Form>
									) : (
										person.role
									)}
								</td>
								<td>
									{person.twoFactor ? 'on' : 'off'}
									{canChangeRoles && person.twoFactor && person.id !== me ? (
										<Form method="post" className="inline-form">
											<input type="hidden" name="userId" value={person.id} />{' '}
											<button type="submit" name="intent" value="reset-two-factor" className="button">
												Reset
											</button>
										</Form>
									) : null}
								</td>
								<td>{person.since}</td>
							</tr>
						))}
					</tbody>
				</table>
			</div>
		</section>
	)
}
