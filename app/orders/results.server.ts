import { prisma } from '#app/db/db.server.ts'
import { readFile } from '#app/files/file-store.server.ts'
import { signDownload, verifyDownload } from '#app/files/signed-links.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'

// Results of a completed order: private to the customer (signed, expiring download links)
// until they publish a sample image to the gallery under CC0, which they can undo at any
// time. Weights are never public.

export async function listResults(orderId: string, userId: string) {
	const results = await prisma.resultFile.findMany({
		where: { orderId },
		select: { id: true, kind: true, displayName: true, mime: true, bytes: true, createdAt: true, publishedAt: true },
		orderBy: [{ kind: 'desc' }, { createdAt: 'asc' }],
	})
	return results.map((result) => ({ ...result, href: `/downloads/${signDownload({ kind: 'result', id: result.id, userId })}` }))
}

async function ownedSample(userId: string, orderId: string, resultId: string) {
	const result = await prisma.resultFile.findFirst({
		where: { id: resultId, orderId, order: { customerId: userId } },
		select: { id: true, kind: true, publishedAt: true, order: { select: { status: true } } },
	})
	if (!result) throw new Response('Not found', { status: 404 })
	if (result.kind !== 'sample') throw new UserFacingError('Only sample images can be shown in the gallery; LoRA weights stay private.', 422)
	return result
}

export async function publishResult(userId: string, orderId: string, resultId: string) {
	const result = await ownedSample(userId, orderId, resultId)
	if (result.order.status !== 'completed') throw new UserFacingError('Only results of a completed order can be published.', 409)
	if (!result.publishedAt) await prisma.resultFile.update({ where: { id: result.id }, data: { publishedAt: new Date() }, select: { id: true } })
}

export async function unpublishResult(userId: string, orderId: string, resultId: string) {
	await ownedSample(userId, orderId, resultId)
	await prisma.resultFile.update({ where: { id: resultId }, data: { publishedAt: null }, select: { id: true } })
}

export type Download = { body: Buffer; mime: string; fileName: string }

/** The file behind a signed link, if the link is valid and its holder still owns the file. */
export async function openDownload(token: string): Promise<Download | { error: string; status: number }> {
	const check = verifyDownload(token)
	if (!check.ok)
		return check.reason === 'expired'
			? { error: 'This download link has expired. Open the order page again for a fresh link.', status: 410 }
			: { error: 'This download link is not valid.', status: 404 }
	const { claims } = check
	if (claims.kind !== 'result') return { error: 'This download link is not valid.', status: 404 }
	const result = await prisma.resultFile.findFirst({
		where: { id: claims.id, order: { customerId: claims.userId } },
		select: { storageKey: true, mime: true, displayName: true },
	})
	if (!result) return { error: 'This file no longer exists.', status: 404 }
	try {
		return { body: await readFile(result.storageKey), mime: result.mime, fileName: result.displayName }
	} catch {
		return { error: 'This file no longer exists.', status: 404 }
	}
}

export function listGallery(take = 60) {
	return prisma.resultFile.findMany({
		where: { kind: 'sample', publishedAt: { not: null } },
		select: { id: true, displayName: true, publishedAt: true, order: { select: { baseModel: true, conceptType: true } } },
		orderBy: { publishedAt: 'desc' },
		take,
	})
}

export async function galleryImage(resultId: string) {
	const result = await prisma.resultFile.findFirst({ where: { id: resultId, kind: 'sample', publishedAt: { not: null } }, select: { storageKey: true, mime: true } })
	if (!result) return null
	try {
		return { body: await readFile(result.storageKey), mime: result.mime }
	} catch {
		return null
	}
}
