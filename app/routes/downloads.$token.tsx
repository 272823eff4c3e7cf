import type { LoaderFunctionArgs } from '@remix-run/node'
import { openDownload } from '#app/orders/results.server.ts'

// The signed link is the authorisation (it names the file and its owner and expires), so a
// download works from a download manager without the session cookie.

export async function loader({ params }: LoaderFunctionArgs) {
	const download = await openDownload(params.token ?? '')
	if ('error' in download) return new Response(download.error, { status: download.status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } })
	const fileName = download.fileName.replace(/[^\w.\- ]/g, '_')
	return new Response(new Uint8Array(download.body), {
		headers: {
			'Content-Type': download.mime,
			'Content-Disposition': `attachment; filename="${fileName}"`,
			'Cache-Control': 'private, no-store',
			'X-Content-Type-Options': 'nosniff',
		},
	})
}
