import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import sharp from 'sharp'
import { assertResourceAccess, requireUser } from '#app/auth/require.server.ts'
import { prisma } from '#app/db/db.server.ts'
import { readFile } from '#app/files/file-store.server.ts'
import { action as imagesAction } from './orders.$orderId_.images.tsx'

const THUMBNAIL_SIDE = 320

/** A thumbnail of one reference image, for the order's owner only (any order status). */
export async function loader({ request, params }: LoaderFunctionArgs) {
	const session = await requireUser(request)
	const image = await prisma.sourceImage.findFirst({
		where: { id: params.imageId ?? '', orderId: params.orderId ?? '' },
		select: { storageKey: true, order: { select: { customerId: true } } },
	})
	if (!image) throw new Response('Not found', { status: 404 })
	if (assertResourceAccess(session, 'update', 'order', image.order.customerId) !== 'own') throw new Response('Not found', { status: 404 })
	let original: Buffer
	try {
		original = await readFile(image.storageKey)
	} catch {
		throw new Response('Not found', { status: 404 })
	}
	const thumbnail = await sharp(original).resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer()
	return new Response(new Uint8Array(thumbnail), {
		headers: { 'Content-Type': 'image/webp', 'Cache-Control': 'private, max-age=300', 'X-Content-Type-Options': 'nosniff' },
	})
}

/**
 * POST /orders/:orderId/images/upload: the uploader's requests. The images page's action
 * handles them, but a POST to a page URL is answered with the rendered page, whatever the
 * action returns; this route has no page, so its answer (201 or problem JSON) goes out as is.
 */
export async function action(args: ActionFunctionArgs) {
	const multipart = /^multipart\/form-data\s*(;|$)/i.test(args.request.headers.get('Content-Type') ?? '')
	if (args.params.imageId !== 'upload' || !multipart) throw new Response('Not found', { status: 404 })
	return imagesAction(args)
}
