import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { can } from '#app/auth/permissions.ts'
import { requireUser } from '#app/auth/require.server.ts'
import { imageThumbnail } from '#app/orders/images.server.ts'
import { loadOwnOrder } from '#app/orders/wizard-access.server.ts'
import { handleImageUpload, isMultipart } from '#app/uploads/upload-request.server.ts'
import { routeId } from '#app/utils/ids.ts'

/** A thumbnail of one reference image, for the order's owner only (any order status). */
export async function loader({ request, params }: LoaderFunctionArgs) {
	const session = await requireUser(request)
	const thumbnail = await imageThumbnail(session.user.id, routeId(params.orderId), routeId(params.imageId))
	if (!thumbnail || !can(session.user.role, 'update:order:own')) throw new Response('Not found', { status: 404 })
	return new Response(new Uint8Array(thumbnail), {
		headers: { 'Content-Type': 'image/webp', 'Cache-Control': 'private, max-age=300', 'X-Content-Type-Options': 'nosniff' },
	})
}

/**
 * POST /orders/:orderId/images/upload: the uploader's requests. The images page's action
 * handles them, but a POST to a page URL is answered with the rendered page, whatever the
 * action returns; this route has no page, so its answer (201 or problem JSON) goes out as is.
 */
export async function action({ request, params }: ActionFunctionArgs) {
	if (params.imageId !== 'upload' || !isMultipart(request)) throw new Response('Not found', { status: 404 })
	const { session, order } = await loadOwnOrder(request, params.orderId)
	return handleImageUpload(request, order, session.user.id)
}
