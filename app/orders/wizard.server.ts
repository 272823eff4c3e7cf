import { prisma } from '#app/db/db.server.ts'
import { deleteFile, newFileKey, writeFile } from '#app/files/file-store.server.ts'
import type { BaseModelFamily, Prisma } from '#app/generated/prisma/client.ts'
import { currentPolicyVersion } from '#app/policies/publish.server.ts'
import { category, describeRetention, getDataMap } from '#app/privacy/data-map.server.ts'
import { checkImageUpload, IMAGE_LIMITS, type ImageRejection } from '#app/uploads/image-check.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { DEFAULT_SETTINGS, FAMILY_INFO, quoteCoins, readSettings, type TrainingSettings } from './catalog.ts'
import type { Details } from './steps.ts'
import { lockOrder, OrderStateError } from './transitions.server.ts'

// The order wizard keeps its state in the draft order itself, so a refresh, a sign-out or
// another device resumes where the customer left off. `wizardStep` is the furthest step
// they may open; changing an earlier step pulls it back where later answers depend on it
// (new images need a new attestation; another model family needs its own settings).

type Tx = Prisma.TransactionClient

async function lockDraft(tx: Tx, orderId: string, customerId: string) {
	const order = await lockOrder(tx, orderId)
	if (!order || order.customerId !== customerId) throw new Response('Not found', { status: 404 })
	if (order.status !== 'draft') throw new OrderStateError('This order is no longer a draft: it cannot be changed. Cancel the payment first, or start a new order.')
	return order
}

export async function createDraft(customerId: string, details: Details) {
	const order = await prisma.$transaction(async (tx) => {
		const created = await tx.order.create({
			data: { customerId, ...details, settings: DEFAULT_SETTINGS[details.baseModel], provider: FAMILY_INFO[details.baseModel].provider, wizardStep: 2 },
			select: { id: true },
		})
		await tx.orderStatusChange.create({ data: { orderId: created.id, from: null, to: 'draft' }, select: { id: true } })
		return created
	})
	return order.id
}

export async function updateDetails(orderId: string, customerId: string, details: Details) {
	await prisma.$transaction(async (tx) => {
		const order = await lockDraft(tx, orderId, customerId)
		const familyChanged = order.baseModel !== details.baseModel
		await tx.order.update({
			where: { id: orderId },
			data: {
				...details,
				provider: FAMILY_INFO[details.baseModel].provider,
				// Settings are per family: another family starts from its defaults and must be confirmed.
				...(familyChanged ? { settings: DEFAULT_SETTINGS[details.baseModel], priceCoins: null } : {}),
				wizardStep: familyChanged ? Math.min(order.wizardStep, 3) : Math.max(order.wizardStep, 2),
			},
			select: { id: true },
		})
	})
}

export type UploadResult = { ok: true; image: { id: string; displayName: string; width: number; height: number; bytes: number } } | { ok: false; rejection: ImageRejection | { code: string; message: string } }

/**
 * Checks, cleans and stores one reference image. The file is written first and the row
 * inserted after it under the order lock (count, total size and duplicates are decided
 * there); if the row cannot be written the file is removed, so neither exists alone.
 */
export async function addImage(orderId: string, customerId: string, upload: { name: string; data: Buffer }): Promise<UploadResult> {
	// Cheap refusals before decoding anything; the locked transaction below decides for real.
	const order = await prisma.order.findUnique({ where: { id: orderId }, select: { customerId: true, status: true, _count: { select: { images: true } } } })
	if (!order || order.customerId !== customerId) throw new Response('Not found', { status: 404 })
	if (order.status !== 'draft') throw new OrderStateError('This order is no longer a draft: it cannot be changed. Cancel the payment first, or start a new order.')
	if (order._count.images >= IMAGE_LIMITS.maxImages)
		return { ok: false, rejection: { code: 'too_many', message: `"${upload.name.slice(0, 60)}" was not added: an order takes at most ${IMAGE_LIMITS.maxImages} images; remove one first.` } }
	const checked = await checkImageUpload(upload)
	if (!checked.ok) return checked
	const { image } = checked
	const key = newFileKey('source_image', orderId, image.extension)
	await writeFile(key, image.data)
	try {
		return await prisma.$transaction(async (tx) => {
			const order = await lockDraft(tx, orderId, customerId)
			const existing = await tx.sourceImage.findMany({ where: { orderId }, select: { sha256: true, bytes: true, displayName: true } })
			const duplicate = existing.find((row) => row.sha256 === image.sha256)
			if (duplicate) throw new RejectedUpload('duplicate', `"${image.displayName}" is the same file as "${duplicate.displayName}", which is already uploaded.`)
			if (existing.length >= IMAGE_LIMITS.maxImages) throw new RejectedUpload('too_many', `An order takes at most ${IMAGE_LIMITS.maxImages} images; remove one before adding "${image.displayName}".`)
			const total = existing.reduce((sum, row) => sum + row.bytes, 0) + image.data.length
			if (total > IMAGE_LIMITS.maxOrderBytes)
				throw new RejectedUpload('order_too_large', `"${image.displayName}" would bring this order to ${Math.ceil(total / 1048576)} MB; an order may hold at most 500 MB of images.`)
			const row = await tx.sourceImage.create({
				data: { orderId, displayName: image.displayName, sha256: image.sha256, storageKey: key, format: image.format, width: image.width, height: image.height, bytes: image.data.length },
				select: { id: true, displayName: true, width: true, height: true, bytes: true },
			})
			// New material needs the attestation again.
			await tx.order.update({ where: { id: orderId }, data: { attestedAt: null, wizardStep: Math.min(order.wizardStep, 4) }, select: { id: true } })
			return { ok: true as const, image: row }
		})
	} catch (error) {
		await deleteFile(key)
		if (error instanceof RejectedUpload) return { ok: false, rejection: { code: error.code, message: error.message } }
		throw error
	}
}

class RejectedUpload extends Error {
	constructor(
		readonly code: string,
		message: string,
	) {
		super(message)
	}
}

export async function removeImage(orderId: string, customerId: string, imageId: string) {
	const key = await prisma.$transaction(async (tx) => {
		const order = await lockDraft(tx, orderId, customerId)
		const image = await tx.sourceImage.findFirst({ where: { id: imageId, orderId }, select: { id: true, storageKey: true } })
		if (!image) throw new UserFacingError('This image is not part of the order.', 404)
		await tx.sourceImage.delete({ where: { id: image.id }, select: { id: true } })
		const left = await tx.sourceImage.count({ where: { orderId } })
		if (left < IMAGE_LIMITS.minImages) await tx.order.update({ where: { id: orderId }, data: { wizardStep: Math.min(order.wizardStep, 2) }, select: { id: true } })
		return image.storageKey
	})
	// After the commit: a crash here leaves an unreferenced file, never a row without its file.
	await deleteFile(key)
}

export async function setCaption(orderId: string, customerId: string, imageId: string, caption: string) {
	await prisma.$transaction(async (tx) => {
		await lockDraft(tx, orderId, customerId)
		const { count } = await tx.sourceImage.updateMany({ where: { id: imageId, orderId }, data: { caption: caption.trim() || null } })
		if (!count) throw new UserFacingError('This image is not part of the order.', 404)
	})
}

/** Step 2 is done when the order holds enough images. */
export async function completeImages(orderId: string, customerId: string) {
	await prisma.$transaction(async (tx) => {
		const order = await lockDraft(tx, orderId, customerId)
		const count = await tx.sourceImage.count({ where: { orderId } })
		if (count < IMAGE_LIMITS.minImages)
			throw new UserFacingError(`Upload at least ${IMAGE_LIMITS.minImages} images (this order has ${count}).`, 422)
		await tx.order.update({ where: { id: orderId }, data: { wizardStep: Math.max(order.wizardStep, 3) }, select: { id: true } })
	})
}

export async function saveSettings(orderId: string, customerId: string, settings: TrainingSettings) {
	await prisma.$transaction(async (tx) => {
		const order = await lockDraft(tx, orderId, customerId)
		if (order.wizardStep < 3) throw new OrderStateError('Upload the reference images first.')
		await tx.order.update({
			where: { id: orderId },
			data: { settings, priceCoins: quoteCoins(order.baseModel, settings.steps), wizardStep: Math.max(order.wizardStep, 4) },
			select: { id: true },
		})
	})
}

export async function attest(orderId: string, customerId: string) {
	await prisma.$transaction(async (tx) => {
		const order = await lockDraft(tx, orderId, customerId)
		if (order.wizardStep < 4) throw new OrderStateError('Confirm the training settings first.')
		await tx.order.update({ where: { id: orderId }, data: { attestedAt: new Date(), wizardStep: 5 }, select: { id: true } })
	})
}

/** What the review step shows: the quote, where the data goes, and the Terms in force. */
export async function reviewFor(order: { baseModel: BaseModelFamily; settings: unknown }) {
	const settings = readSettings(order.baseModel, order.settings)
	const providerId = FAMILY_INFO[order.baseModel].provider
	const map = getDataMap()
	const recipient = map.recipients.find((entry) => entry.id === providerId)
	const images = category('source_images', map)
	const terms = await currentPolicyVersion('terms')
	const coins = quoteCoins(order.baseModel, settings.steps)
	return {
		settings,
		coins,
		provider: recipient ? { name: recipient.name, country: recipient.country, safeguard: recipient.safeguard } : null,
		termsVersion: terms?.version ?? null,
		// From the data map, so the page says what the retention jobs will do.
		imageRetention: describeRetention(images.retention),
	}
}

/** Records the Terms version the customer ordered under (acceptance context `checkout`). */
export async function getWizardOrder(orderId: string) {
	return prisma.order.findUnique({
		where: { id: orderId },
		select: {
			id: true,
			customerId: true,
			status: true,
			wizardStep: true,
			baseModel: true,
			conceptType: true,
			conceptDescription: true,
			triggerWords: true,
			settings: true,
			priceCoins: true,
			attestedAt: true,
			refundTo: true,
			updatedAt: true,
			images: { select: { id: true, displayName: true, caption: true, width: true, height: true, bytes: true, format: true }, orderBy: { uploadedAt: 'asc' } },
		},
	})
}

