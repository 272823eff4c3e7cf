import { redirect } from '@remix-run/node'
import { can } from '#app/auth/permissions.ts'
import { requireUser } from '#app/auth/require.server.ts'
import type { OrderStatus } from '#app/generated/prisma/enums.ts'
import { resumePath } from './steps.ts'
import { getWizardOrder } from './wizard.server.ts'
import { routeId } from '#app/utils/ids.ts'

// Every wizard page opens the same way: the signed-in customer's own order (anyone else,
// staff included, gets 404 as if it did not exist), still open for this step.

export async function loadOwnOrder(request: Request, orderId: string | undefined) {
	const session = await requireUser(request)
	const order = await getWizardOrder(routeId(orderId))
	// Staff roles that may not order (support, DPO) have no wizard, not even for test orders of their own.
	if (!order || order.customerId !== session.user.id || !can(session.user.role, 'update:order:own')) throw new Response('Not found', { status: 404 })
	return { session, order }
}

/** A placed order goes to its page; a step not reached yet, to the furthest one reached. */
export function assertAtStep(order: { id: string; status: OrderStatus; wizardStep: number }, step: number, open: readonly OrderStatus[] = ['draft']) {
	if (!open.includes(order.status)) throw redirect(`/orders/${order.id}`)
	if (order.wizardStep < step) throw redirect(resumePath({ ...order, status: 'draft' })!)
}

export async function loadWizardStep(request: Request, orderId: string | undefined, step: number, open?: readonly OrderStatus[]) {
	const loaded = await loadOwnOrder(request, orderId)
	assertAtStep(loaded.order, step, open)
	return loaded
}
