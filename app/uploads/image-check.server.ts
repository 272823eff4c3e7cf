import { createHash } from 'node:crypto'
import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp'

export const IMAGE_LIMITS = {
	maxFileBytes: 20 * 1024 * 1024,
	maxOrderBytes: 500 * 1024 * 1024,
	minImages: 5,
	maxImages: 50,
	minSide: 512, // shortest side in pixels
	maxPixels: 50_000_000, // width*height; larger is refused (decompression bombs)
} as const

export type ImageFormat = 'jpeg' | 'png' | 'webp'
export type ImageRejectionCode =
	| 'name'
	| 'empty'
	| 'too_large'
	| 'type'
	| 'truncated'
	| 'corrupt'
	| 'too_small'
	| 'too_many_pixels'
export type ImageRejection = { code: ImageRejectionCode; message: string }
export type CheckedImage = {
	format: ImageFormat
	mime: 'image/jpeg' | 'image/png' | 'image/webp'
	extension: 'jpg' | 'png' | 'webp'
	width: number // after applying EXIF orientation
	height: number
	/** The bytes to store: re-encoded, with ALL metadata (EXIF incl. GPS, XMP, IPTC, comments) removed; ICC profile may be kept only as sRGB conversion. */
	data: Buffer
	/** sha256 hex of the ORIGINAL uploaded bytes: used to detect the same file uploaded twice. */
	sha256: string
	/** The display name: the client's base name, trimmed, max 200 chars. */
	displayName: string
}
export type ImageCheckResult = { ok: true; image: CheckedImage } | { ok: false; rejection: ImageRejection }

const FORMATS = {
	jpeg: { mime: 'image/jpeg', extension: 'jpg', label: 'JPEG' },
	png: { mime: 'image/png', extension: 'png', label: 'PNG' },
	webp: { mime: 'image/webp', extension: 'webp', label: 'WebP' },
} as const satisfies Record<ImageFormat, { mime: CheckedImage['mime']; extension: CheckedImage['extension']; label: string }>

const MAX_NAME_LENGTH = 255
const MAX_DISPLAY_NAME_LENGTH = 200
const MEGABYTE = 1024 * 1024

// 'warning' is the strictest level: besides cut-off files it refuses JPEGs with damaged
// data in the middle, which 'truncated' and 'error' would decode into grey blocks.
const DECODE_OPTIONS: SharpOptions = { failOn: 'warning', limitInputPixels: IMAGE_LIMITS.maxPixels }

// Control characters, plus the direction overrides that can make "gpj.exe" display as "exe.jpg".
const UNSAFE_CHARACTERS = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u

function reject(code: ImageRejectionCode, message: string): ImageCheckResult {
	return { ok: false, rejection: { code, message } }
}

/** The name as it can safely appear in a message: no invisible characters, not too long. */
function quoted(name: string) {
	const visible = name.replace(new RegExp(UNSAFE_CHARACTERS, 'gu'), '\ufffd')
	const characters = Array.from(visible)
	return `"${characters.length > 60 ? `${characters.slice(0, 60).join('')}…` : visible}"`
}

export function checkUploadName(name: string): ImageRejection | null {
	const trimmed = name.trim()
	const problem = (message: string) => ({ code: 'name' as const, message: `${quoted(name)} ${message}` })
	if (!trimmed) return { code: 'name', message: 'A file has no name' }
	if (Array.from(name).length > MAX_NAME_LENGTH)
		return problem(`has a name longer than ${MAX_NAME_LENGTH} characters`)
	if (UNSAFE_CHARACTERS.test(name))
		return problem('contains control characters, which are not allowed in file names')
	if (name.includes('/') || name.includes('\\'))
		return problem('is not a plain file name: it must not contain folder separators ("/" or "\\")')
	if (trimmed === '.' || trimmed === '..') return problem('is not a file name')
	return null
}

function displayNameOf(name: string) {
	const characters = Array.from(name.trim())
	if (characters.length <= MAX_DISPLAY_NAME_LENGTH) return characters.join('')
	// Keep the extension so a shortened name still says what kind of file it was.
	const dot = characters.lastIndexOf('.')
	const extension = dot > 0 && characters.length - dot <= 10 ? characters.slice(dot) : []
	return [...characters.slice(0, MAX_DISPLAY_NAME_LENGTH - extension.length), ...extension].join('')
}

/** Rounded up, so a file just over the limit never reads as exactly the limit. */
function megabytes(bytes: number) {
	return `${(Math.ceil((bytes / MEGABYTE) * 10) / 10).toFixed(1)} MB`
}

function startsWith(data: Buffer, bytes: number[] | string, offset = 0) {
	const expected = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes)
	return data.length >= offset + expected.length && data.subarray(offset, offset + expected.length).equals(expected)
}

export function sniffImageFormat(data: Buffer): ImageFormat | null {
	if (startsWith(data, [0xff, 0xd8, 0xff])) return 'jpeg'
	if (startsWith(data, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png'
	if (startsWith(data, 'RIFF') && startsWith(data, 'WEBP', 8)) return 'webp'
	return null
}

const HEIF_BRANDS = ['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']

/** A best guess at what a non-image upload is, for the message; null when unknown. */
function describeContent(data: Buffer): string | null {
	if (startsWith(data, '%PDF')) return 'a PDF document'
	if (startsWith(data, 'GIF87a') || startsWith(data, 'GIF89a')) return 'a GIF image'
	if (startsWith(data, [0x50, 0x4b, 0x03, 0x04])) return 'a ZIP archive or Office document'
	if (startsWith(data, 'ftyp', 4)) {
		const brand = data.subarray(8, 12).toString('latin1')
		if (HEIF_BRANDS.includes(brand)) return 'an HEIC/HEIF photo'
		if (brand === 'avif' || brand === 'avis') return 'an AVIF image'
		return 'a video or other media file'
	}
	if (startsWith(data, 'II*\0') || startsWith(data, 'MM\0*')) return 'a TIFF or camera RAW image'
	if (startsWith(data, 'BM')) return 'a BMP image'
	if (startsWith(data, '8BPS')) return 'a Photoshop document'
	if (startsWith(data, [0x1f, 0x8b])) return 'a gzip archive'
	if (startsWith(data, 'Rar!')) return 'a RAR archive'
	if (startsWith(data, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return 'a 7-Zip archive'
	return describeText(data)
}

function describeText(data: Buffer): string | null {
	let text: string
	try {
		// stream: true so a character cut in half at the end of the sample is not an error.
		text = new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(0, 1024), { stream: true })
	} catch {
		return null
	}
	if (/(?![\t\n\v\f\r])\p{Cc}/u.test(text)) return null
	const start = text.replace(/^\ufeff/, '').trimStart().toLowerCase()
	if (start.startsWith('<svg') || (start.startsWith('<?xml') && start.includes('<svg'))) return 'an SVG image'
	if (start.startsWith('<!doctype html') || start.startsWith('<html')) return 'an HTML page'
	return 'plain text'
}

type Dimensions = { width: number; height: number }

function pngDimensions(data: Buffer): Dimensions | null {
	if (data.length < 24 || !startsWith(data, 'IHDR', 12)) return null
	return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) }
}

function webpDimensions(data: Buffer): Dimensions | null {
	if (data.length < 30) return null
	const chunk = data.subarray(12, 16).toString('latin1')
	if (chunk === 'VP8X') return { width: 1 + data.readUIntLE(24, 3), height: 1 + data.readUIntLE(27, 3) }
	if (chunk === 'VP8L') {
		const bits = data.readUInt32LE(21)
		return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) }
	}
	if (chunk === 'VP8 ') return { width: data.readUInt16LE(26) & 0x3fff, height: data.readUInt16LE(28) & 0x3fff }
	return null
}

// SOF0–SOF15, except the DHT, JPG and DAC markers that share the range.
function isStartOfFrame(marker: number) {
	return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
}

function jpegDimensions(data: Buffer): Dimensions | null {
	let offset = 2
	while (offset + 9 <= data.length) {
		if (data[offset] !== 0xff) return null
		const marker = data[offset + 1]!
		if (marker === 0xff) {
			offset += 1
			continue
		}
		if (isStartOfFrame(marker)) return { height: data.readUInt16BE(offset + 5), width: data.readUInt16BE(offset + 7) }
		if (marker === 0xda) return null
		offset += 2 + data.readUInt16BE(offset + 2)
	}
	return null
}

/**
 * The size the file's header claims, read by hand so a decompression bomb is refused
 * before any decoder sees it; sharp's limitInputPixels is the second line of defence.
 */
function declaredDimensions(data: Buffer, format: ImageFormat): Dimensions | null {
	if (format === 'png') return pngDimensions(data)
	if (format === 'webp') return webpDimensions(data)
	return jpegDimensions(data)
}

function pngLooksTruncated(data: Buffer) {
	let offset = 8
	while (offset + 8 <= data.length) {
		const end = offset + 12 + data.readUInt32BE(offset)
		if (end > data.length) return true
		if (startsWith(data, 'IEND', offset + 4)) return false
		offset = end
	}
	return true
}

/** Whether the file ends early, judged from its structure: decoder messages do not say. */
function looksTruncated(data: Buffer, format: ImageFormat) {
	if (format === 'png') return pngLooksTruncated(data)
	if (format === 'webp') return data.length < 8 + data.readUInt32LE(4)
	return !(data[data.length - 2] === 0xff && data[data.length - 1] === 0xd9)
}

function decoderDetail(error: unknown) {
	const message = error instanceof Error ? error.message : String(error)
	const firstLine = message.split('\n')[0]!.replace(/^vips\w*:\s*/i, '').trim()
	return firstLine.length > 200 ? `${firstLine.slice(0, 200)}…` : firstLine
}

function decodeFailure(name: string, data: Buffer, format: ImageFormat, error: unknown): ImageCheckResult {
	const detail = decoderDetail(error)
	if (/pixel limit/i.test(detail))
		return reject(
			'too_many_pixels',
			`${quoted(name)} is larger than ${IMAGE_LIMITS.maxPixels / 1_000_000} megapixels, the most an image may have`,
		)
	if (looksTruncated(data, format))
		return reject('truncated', `${quoted(name)} is cut off: the file is incomplete (truncated upload?)`)
	return reject(
		'corrupt',
		`${quoted(name)} is damaged and cannot be read as a ${FORMATS[format].label} image (the decoder reported: ${detail})`,
	)
}

function tooManyPixels(name: string, { width, height }: Dimensions): ImageCheckResult {
	return reject(
		'too_many_pixels',
		`${quoted(name)} is ${width} × ${height} pixels; images may have at most ${IMAGE_LIMITS.maxPixels / 1_000_000} megapixels`,
	)
}

function encode(pipeline: Sharp, format: ImageFormat) {
	// No withMetadata/keepExif: sharp then drops EXIF, XMP, IPTC and comments and converts to sRGB.
	if (format === 'jpeg') return pipeline.jpeg({ quality: 95, mozjpeg: false })
	if (format === 'png') return pipeline.png({ compressionLevel: 6 })
	return pipeline.webp({ quality: 95 })
}

async function checkContent(name: string, data: Buffer, format: ImageFormat): Promise<ImageCheckResult> {
	const declared = declaredDimensions(data, format)
	if (declared && declared.width * declared.height > IMAGE_LIMITS.maxPixels) return tooManyPixels(name, declared)

	let metadata: Metadata
	try {
		metadata = await sharp(data, DECODE_OPTIONS).metadata()
	} catch (error) {
		return decodeFailure(name, data, format, error)
	}
	const { label } = FORMATS[format]
	if (metadata.format !== format)
		return reject('type', `${quoted(name)} starts like a ${label} image but its content is not ${label}`)

	const { width, height } = metadata.autoOrient
	if (Math.min(width, height) < IMAGE_LIMITS.minSide)
		return reject(
			'too_small',
			`${quoted(name)} is ${width} × ${height} pixels; the shortest side must be at least ${IMAGE_LIMITS.minSide} pixels`,
		)

	try {
		// Re-encoding decodes every pixel, which is what surfaces truncated and damaged data.
		const output = await encode(sharp(data, DECODE_OPTIONS).rotate(), format).toBuffer({ resolveWithObject: true })
		return {
			ok: true,
			image: {
				format,
				mime: FORMATS[format].mime,
				extension: FORMATS[format].extension,
				width: output.info.width,
				height: output.info.height,
				data: output.data,
				sha256: createHash('sha256').update(data).digest('hex'),
				displayName: displayNameOf(name),
			},
		}
	} catch (error) {
		return decodeFailure(name, data, format, error)
	}
}

/** Checks one uploaded reference image; never throws, whatever the bytes. */
export async function checkImageUpload(input: { name: string; data: Buffer }): Promise<ImageCheckResult> {
	const { name, data } = input
	const nameProblem = checkUploadName(name)
	if (nameProblem) return { ok: false, rejection: nameProblem }
	if (data.length === 0) return reject('empty', `${quoted(name)} is empty (0 bytes)`)
	if (data.length > IMAGE_LIMITS.maxFileBytes)
		return reject(
			'too_large',
			`${quoted(name)} is ${megabytes(data.length)}; each image may be at most ${IMAGE_LIMITS.maxFileBytes / MEGABYTE} MB`,
		)

	const format = sniffImageFormat(data)
	if (!format) {
		const content = describeContent(data)
		return reject(
			'type',
			`${quoted(name)} is not a JPEG, PNG or WebP image${content ? ` (its content is ${content})` : ''}`,
		)
	}
	try {
		return await checkContent(name, data, format)
	} catch (error) {
		// Belt and braces: an unexpected failure is still a refusal, never an exception.
		return reject('corrupt', `${quoted(name)} could not be checked (${decoderDetail(error)})`)
	}
}
