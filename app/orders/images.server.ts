import sharp from 'sharp'
import { prisma } from '#app/db/db.server.ts'
import { readFile } from '#app/files/file-store.server.ts'

const THUMBNAIL_SIDE = 320

/** A small WebP of one reference image of the customer's own order; null when there is none. */
export async function imageThumbnail(customerId: string, orderId: string, imageId: string) {
	const image = await prisma.sourceImage.findFirst({ where: { id: imageId, orderId, order: { customerId } }, select: { storageKey: true } })
	if (!image) return null
	let original: Buffer
	try {
		original = await readFile(image.storageKey)
	} catch {
		// The row outlived its file (a deletion in progress): nothing to show.
		return null
	}
	return sharp(original).resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer()
}
