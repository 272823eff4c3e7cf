import type { LoaderFunctionArgs } from '@remix-run/node'
import { galleryImage } from '#app/orders/results.server.ts'
import { routeId } from '#app/utils/ids.ts'

export async function loader({ params }: LoaderFunctionArgs) {
	const image = await galleryImage(routeId(params.resultId))
	if (!image) return new Response('Not found', { status: 404 })
	// Short cache: an unpublished image must disappear from the gallery soon.
	return new Response(new Uint8Array(image.body), { headers: { 'Content-Type': image.mime, 'Cache-Control': 'public, max-age=60', 'X-Content-Type-Options': 'nosniff' } })
}
