import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { listOutbox, outboxOpenTo } from '#app/mail/mail.server.ts'

export async function loader({ request, context }: LoaderFunctionArgs) {
	// With a real SMTP server there is no outbox, and the page must not hint at one; it
	// lists sign-in codes, so it exists only for requests from this machine.
	if (!outboxOpenTo(request, context)) throw new Response('Not found', { status: 404 })
	return { messages: await listOutbox() }
}

export const meta: MetaFunction = () => [{ title: 'Demo mail outbox — Lorica' }, { name: 'robots', content: 'noindex' }]

export default function OutboxPage() {
	const { messages } = useLoaderData<typeof loader>()
	return (
		<section className="page" aria-labelledby="outbox-title">
			<p className="outbox-banner" role="note">
				Demo mail outbox — mail is written here because no SMTP server is configured (SMTP_URL).
			</p>
			<p className="eyebrow">Development</p>
			<h1 id="outbox-title">Mail outbox</h1>
			{messages.length === 0 ? (
				<p>No mail has been sent yet.</p>
			) : (
				<table className="outbox-table">
					<thead>
						<tr>
							<th scope="col">Sent</th>
							<th scope="col">To</th>
							<th scope="col">Subject</th>
						</tr>
					</thead>
					<tbody>
						{messages.map((message) => (
							<tr key={message.id}>
								<td>
									<time dateTime={message.sentAt}>{message.sentAt.slice(0, 19).replace('T', ' ')} UTC</time>
								</td>
								<td>{message.to}</td>
								<td>
									<Link to={`/dev/outbox/${message.id}`}>{message.subject || '(no subject)'}</Link>
								</td>
							</tr>
						))}
					</tbody>
				</table>
			)}
		</section>
	)
}
