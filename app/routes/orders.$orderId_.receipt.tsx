import type { LoaderFunctionArgs } from '@remix-run/node'
import { assertResourceAccess, requireUser } from '#app/auth/require.server.ts'
import { recordStaffView } from '#app/audit/staff-views.server.ts'
import { prisma } from '#app/db/db.server.ts'
import { receiptPdf } from '#app/payments/invoices.server.ts'
import { routeId } from '#app/utils/ids.ts'

export async function loader({ request, params }: LoaderFunctionArgs) {
	const session = await requireUser(request)
	const order = await prisma.order.findUnique({ where: { id: routeId(params.orderId) }, select: { id: true, customerId: true } })
	if (!order) throw new Response('Not found', { status: 404 })
	const access = assertResourceAccess(session, 'read', 'payment', order.customerId)
	const pdf = await receiptPdf(order.id)
	if (!pdf) throw new Response('Not found', { status: 404 })
	if (access === 'any') await recordStaffView(session, { type: 'receipt', id: order.id })
	return new Response(new Uint8Array(pdf.body), {
		headers: { 'Content-Type': 'application/pdf', 'Content-Disposition': `attachment; filename="${pdf.fileName}"`, 'Cache-Control': 'private, no-store' },
	})
}
