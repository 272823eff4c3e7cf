import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { checkImageUpload } from '#app/uploads/image-check.server.ts'
import { repeat, report } from './lib.ts'

// What checking and cleaning a reference image costs: the full intake (sniff, header
// check, decode, re-encode without metadata) against writing the same bytes to disk as
// they came, for a batch of camera-sized JPEGs, in the same run.

const IMAGES = Number(process.env.BENCH_IMAGES ?? 12)
const SIDE = Number(process.env.BENCH_IMAGE_SIDE ?? 2048)

async function fixtures() {
	const images: Buffer[] = []
	for (let i = 0; i < IMAGES; i++) {
		// Noise compresses like a photo would, unlike a flat colour.
		const raw = Buffer.alloc(SIDE * SIDE * 3)
		for (let j = 0; j < raw.length; j++) raw[j] = (j * 2654435761 + i * 97) >>> 24
		images.push(await sharp(raw, { raw: { width: SIDE, height: SIDE, channels: 3 } }).jpeg({ quality: 90 }).withExif({ IFD0: { Artist: 'bench' } }).toBuffer())
		process.stdout.write(`\r  preparing ${i + 1}/${IMAGES} JPEGs (${SIDE}×${SIDE})`)
	}
	process.stdout.write('\n')
	return images
}

export async function benchUploads() {
	console.log(`\nReference-image intake (${IMAGES} JPEGs of ${SIDE}×${SIDE} px)`)
	const images = await fixtures()
	const megabytes = images.reduce((sum, image) => sum + image.length, 0) / 1048576
	const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'lorica-bench-uploads-'))
	try {
		const raw = await repeat('raw write', 3, async () => {
			for (const [index, image] of images.entries()) await fs.writeFile(path.join(directory, `${index}.jpg`), image)
		})
		const intake = await repeat('check + clean + write', 3, async () => {
			for (const [index, image] of images.entries()) {
				const checked = await checkImageUpload({ name: `${index}.jpg`, data: image })
				if (!checked.ok) throw new Error(checked.rejection.message)
				await fs.writeFile(path.join(directory, `${index}-clean.jpg`), checked.image.data)
			}
		})
		report(`  per batch of ${megabytes.toFixed(1)} MB (median of 3)`, { label: 'write bytes as uploaded', ms: raw }, [{ label: 'check, strip metadata, re-encode, write', ms: intake }])
		console.log(`  intake: ${(intake / IMAGES).toFixed(0)} ms per image, ${(megabytes / (intake / 1000)).toFixed(1)} MB/s`)
	} finally {
		await fs.rm(directory, { recursive: true, force: true })
	}
}
