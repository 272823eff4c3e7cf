import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { outboxOpenTo, readOutboxMessage } from '#app/mail/mail.server.ts'

export async function loader({ request, params, context }: LoaderFunctionArgs) {
	if (!outboxOpenTo(request, context)) throw new Response('Not found', { status: 404 })
	const message = await readOutboxMessage(params.id ?? '')
	if (!message) throw new Response('Not found', { status: 404 })
	return { message }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: data ? `${data.message.subject} — Demo mail outbox — Lorica` : 'Demo mail outbox — Lorica' },
	{ name: 'robots', content: 'noindex' },
]

export default function OutboxMessagePage() {
	const { message } = useLoaderData<typeof loader>()
	return (
		<article className="page narrow" aria-labelledby="message-title">
			<p className="outbox-banner" role="note">
				Demo mail outbox — mail is written here because no SMTP server is configured (SMTP_URL).
			</p>
			<p className="eyebrow">
				<Link to="/dev/outbox">Mail outbox</Link>
			</p>
			<h1 id="message-title">{message.subject || '(no subject)'}</h1>
			<dl className="outbox-meta">
				<dt>To</dt>
				<dd>{message.to}</dd>
				<dt>Sent</dt>
				<dd>
					<time dateTime={message.sentAt}>{message.sentAt.slice(0, 19).replace('T', ' ')} UTC</time>
				</dd>
			</dl>
			<h2>Text</h2>
			<pre className="outbox-text">{message.text}</pre>
			{message.html === undefined ? null : (
				<>
					<h2>HTML</h2>
					{/* An empty sandbox runs no scripts and cannot reach this page, whatever the mail contains. */}
					<iframe className="outbox-html" title="HTML version of the message" sandbox="" srcDoc={message.html} />
				</>
			)}
		</article>
	)
}
