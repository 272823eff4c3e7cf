import type { LoaderFunctionArgs } from '@remix-run/node'
import { recordStaffView } from '#app/audit/staff-views.server.ts'
import { can } from '#app/auth/permissions.ts'
import { requireUser } from '#app/auth/require.server.ts'
import { invoicePdf } from '#app/payments/invoices.server.ts'
import { routeId } from '#app/utils/ids.ts'

export async function loader({ request, params }: LoaderFunctionArgs) {
	const session = await requireUser(request)
	const anyone = can(session.user.role, 'read:payment:any')
	if (!anyone && !can(session.user.role, 'read:payment:own')) throw new Response('Not found', { status: 404 })
	const paymentId = routeId(params.paymentId)
	// Staff may open any invoice (and the view is audited); customers only their own.
	const own = await invoicePdf(paymentId, session.user.id)
	const pdf = own ?? (anyone ? await invoicePdf(paymentId, null) : null)
	if (!pdf) throw new Response('Not found', { status: 404 })
	if (!own) await recordStaffView(session, { type: 'payment', id: paymentId })
	return new Response(new Uint8Array(pdf.body), {
		headers: {
			'Content-Type': 'application/pdf',
			'Content-Disposition': `attachment; filename="${pdf.fileName}"`,
			'Cache-Control': 'private, no-store',
		},
	})
}
