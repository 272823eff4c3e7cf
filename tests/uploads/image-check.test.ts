import { createHash, randomBytes } from 'node:crypto'
import zlib from 'node:zlib'
import sharp, { type Sharp } from 'sharp'
import { describe, expect, test } from 'vitest'
import {
	checkImageUpload,
	checkUploadName,
	IMAGE_LIMITS,
	type ImageFormat,
	type ImageRejectionCode,
} from '#app/uploads/image-check.server.ts'

const FORMATS: ImageFormat[] = ['jpeg', 'png', 'webp']
const EXTENSIONS = { jpeg: 'jpg', png: 'png', webp: 'webp' } as const

// Noise does not compress, so a cut-off file really misses image data.
function noise(width: number, height: number) {
	return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
}

function encodeAs(image: Sharp, format: ImageFormat) {
	return image.toFormat(format, format === 'png' ? {} : { quality: 90 }).toBuffer()
}

async function rejectionOf(name: string, data: Buffer) {
	const result = await checkImageUpload({ name, data })
	if (result.ok) throw new Error(`${name} was accepted`)
	return result.rejection
}

async function expectRejected(name: string, data: Buffer, code: ImageRejectionCode) {
	const rejection = await rejectionOf(name, data)
	expect(rejection.code, rejection.message).toBe(code)
	return rejection.message
}

async function accepted(name: string, data: Buffer) {
	const result = await checkImageUpload({ name, data })
	if (!result.ok) throw new Error(`${name} was refused: ${result.rejection.message}`)
	return result.image
}

function pngChunk(type: string, data: Buffer) {
	const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data])
	const length = Buffer.alloc(4)
	length.writeUInt32BE(data.length)
	const crc = Buffer.alloc(4)
	crc.writeUInt32BE(zlib.crc32(typeAndData))
	return Buffer.concat([length, typeAndData, crc])
}

/** A real, valid 1-bit PNG: sharp takes over ten seconds to produce one this large. */
function blackPng(width: number, height: number) {
	const header = Buffer.alloc(13)
	header.writeUInt32BE(width, 0)
	header.writeUInt32BE(height, 4)
	header.set([1, 0, 0, 0, 0], 8) // bit depth 1, greyscale, deflate, no filter, no interlace
	const rows = Buffer.alloc((1 + Math.ceil(width / 8)) * height)
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		pngChunk('IHDR', header),
		pngChunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
		pngChunk('IEND', Buffer.alloc(0)),
	])
}

/** Rewrites the size in the header only; the pixel data stays that of the small image. */
function claimSize(data: Buffer, format: ImageFormat, width: number, height: number) {
	const patched = Buffer.from(data)
	if (format === 'png') {
		patched.writeUInt32BE(width, 16)
		patched.writeUInt32BE(height, 20)
		patched.writeUInt32BE(zlib.crc32(patched.subarray(12, 29)), 29)
	} else if (format === 'jpeg') {
		const frame = patched.indexOf(Buffer.from([0xff, 0xc0]))
		patched.writeUInt16BE(height, frame + 5)
		patched.writeUInt16BE(width, frame + 7)
	} else {
		expect(patched.subarray(12, 16).toString('latin1')).toBe('VP8 ')
		patched.writeUInt16LE(width, 26)
		patched.writeUInt16LE(height, 28)
	}
	return patched
}

describe('accepted images', () => {
	test.each(FORMATS)('a valid %s is accepted, re-encoded in the same format', async (format) => {
		const original = await encodeAs(noise(640, 512), format)
		const image = await accepted(`reference.${EXTENSIONS[format]}`, original)

		expect(image).toMatchObject({
			format,
			mime: `image/${format}`,
			extension: EXTENSIONS[format],
			width: 640,
			height: 512,
			displayName: `reference.${EXTENSIONS[format]}`,
			sha256: createHash('sha256').update(original).digest('hex'),
		})
		const stored = await sharp(image.data).metadata()
		expect(stored).toMatchObject({ format, width: 640, height: 512 })
	})

	test('the same bytes give the same sha256, different bytes a different one', async () => {
		const first = await encodeAs(noise(640, 512), 'png')
		const second = await encodeAs(noise(640, 512), 'png')
		const a = await accepted('a.png', first)
		const b = await accepted('b.png', Buffer.from(first))
		const c = await accepted('c.png', second)
		expect(a.sha256).toBe(b.sha256)
		expect(a.sha256).not.toBe(c.sha256)
	})

	test('an image exactly at the minimum size is accepted', async () => {
		const image = await accepted('edge.png', await encodeAs(noise(IMAGE_LIMITS.minSide, 2000), 'png'))
		expect([image.width, image.height]).toEqual([IMAGE_LIMITS.minSide, 2000])
	})
})

describe('metadata', () => {
	const exif = {
		IFD0: { ImageDescription: 'MARKER-DESCRIPTION', Artist: 'MARKER-ARTIST' },
		IFD3: {
			GPSLatitudeRef: 'N',
			GPSLatitude: '48/1 51/1 2964/100',
			GPSLongitudeRef: 'E',
			GPSLongitude: '2/1 17/1 4020/100',
			GPSMapDatum: 'MARKER-GPS',
		},
	}
	const xmp =
		'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
		'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>MARKER-XMP</dc:creator>' +
		'</rdf:Description></rdf:RDF></x:xmpmeta>'

	test.each(FORMATS)('EXIF with GPS, XMP and the ICC profile are removed from a %s', async (format) => {
		const original = await encodeAs(noise(640, 512).withExif(exif).withXmp(xmp).withIccProfile('p3'), format)
		const before = await sharp(original).metadata()
		expect(before.exif?.includes('MARKER-GPS')).toBe(true)
		// Little-endian EXIF with the GPS IFD pointer tag 0x8825: the coordinates are there too.
		expect(before.exif?.includes('II*\0')).toBe(true)
		expect(before.exif?.includes(Buffer.from([0x25, 0x88]))).toBe(true)
		expect(before.xmp).toBeDefined()
		expect(before.icc).toBeDefined()
		expect(original.includes('MARKER-ARTIST')).toBe(true)

		const image = await accepted(`located.${EXTENSIONS[format]}`, original)

		const after = await sharp(image.data).metadata()
		expect(after.exif).toBeUndefined()
		expect(after.xmp).toBeUndefined()
		expect(after.iptc).toBeUndefined()
		expect(after.icc).toBeUndefined()
		expect(after.comments).toBeUndefined()
		for (const marker of ['MARKER-DESCRIPTION', 'MARKER-ARTIST', 'MARKER-GPS', 'MARKER-XMP', 'Exif'])
			expect(image.data.includes(marker), marker).toBe(false)
	})

	test('EXIF orientation 6 is applied: a 600 × 800 image comes out 800 × 600, turned clockwise', async () => {
		// White top half, black bottom half: turned clockwise, the white ends up on the right.
		const halves = sharp({ create: { width: 600, height: 800, channels: 3, background: '#000' } }).composite([
			{ input: { create: { width: 600, height: 400, channels: 3, background: '#fff' } }, top: 0, left: 0 },
		])
		const original = await sharp(await halves.png().toBuffer())
			.jpeg({ quality: 95 })
			.withMetadata({ orientation: 6 })
			.toBuffer()
		const before = await sharp(original).metadata()
		expect([before.width, before.height, before.orientation]).toEqual([600, 800, 6])

		const image = await accepted('portrait.jpg', original)

		expect([image.width, image.height]).toEqual([800, 600])
		const after = await sharp(image.data).metadata()
		expect([after.width, after.height, after.orientation]).toEqual([800, 600, undefined])
		const { data: pixels } = await sharp(image.data).greyscale().raw().toBuffer({ resolveWithObject: true })
		expect(pixels[300 * 800 + 50]).toBeLessThan(30)
		expect(pixels[300 * 800 + 750]).toBeGreaterThan(225)
	})
})

describe('type by content', () => {
	test('a PDF named like a JPEG is refused and named for what it is', async () => {
		const pdf = Buffer.from('%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n', 'latin1')
		const message = await expectRejected('cat.jpg', pdf, 'type')
		expect(message).toBe('"cat.jpg" is not a JPEG, PNG or WebP image (its content is a PDF document)')
	})

	test('a GIF is refused even though sharp could read it', async () => {
		// Small: quantising noise to a GIF palette is slow.
		const gif = await noise(64, 64).gif().toBuffer()
		const message = await expectRejected('anim.png', gif, 'type')
		expect(message).toContain('a GIF image')
	})

	test('a text file renamed photo.jpg is refused', async () => {
		const message = await expectRejected('photo.jpg', Buffer.from('Dear diary, this is not a photo.\n'), 'type')
		expect(message).toBe('"photo.jpg" is not a JPEG, PNG or WebP image (its content is plain text)')
	})

	test('an HEIC photo is recognised from its ftyp box', async () => {
		const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic'), randomBytes(64)])
		expect(await expectRejected('IMG_0001.jpg', heic, 'type')).toContain('an HEIC/HEIF photo')
	})

	test('random bytes are refused without guessing what they are', async () => {
		const bytes = randomBytes(4096)
		bytes[0] = 0 // no accidental JPEG, PNG or RIFF signature
		const message = await expectRejected('noise.webp', bytes, 'type')
		expect(message).toBe('"noise.webp" is not a JPEG, PNG or WebP image')
	})

	test('an empty file is refused', async () => {
		expect(await expectRejected('nothing.png', Buffer.alloc(0), 'empty')).toBe('"nothing.png" is empty (0 bytes)')
	})

	test('a lone signature or a header without pixels is refused, never thrown', async () => {
		const stubs = [
			Buffer.from([0xff, 0xd8, 0xff]),
			Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
			Buffer.from('RIFF\0\0\0\0WEBP', 'latin1'),
			Buffer.from('RIFF\xff\xff\xff\xffWEBPVP8X', 'latin1'),
			(await encodeAs(noise(640, 512), 'png')).subarray(0, 40),
		]
		for (const stub of stubs) {
			const rejection = await rejectionOf('stub.img', stub)
			expect(['truncated', 'corrupt']).toContain(rejection.code)
		}
	})
})

describe('damaged files', () => {
	test.each(FORMATS)('a %s cut off at 60 percent of its length is refused as truncated', async (format) => {
		const full = await encodeAs(noise(640, 512), format)
		const message = await expectRejected('x.img', full.subarray(0, Math.floor(full.length * 0.6)), 'truncated')
		expect(message).toBe('"x.img" is cut off: the file is incomplete (truncated upload?)')
	})

	test('a JPEG with a damaged middle is refused as corrupt, with the reason in a sentence', async () => {
		const damaged = await encodeAs(noise(640, 512), 'jpeg')
		// A run of 0xFF reads as stray markers, which libjpeg always notices; random bytes
		// often decode silently into wrong pixels.
		const middle = Math.floor(damaged.length / 2)
		damaged.fill(0xff, middle, middle + 200)
		const message = await expectRejected('scratched.jpg', damaged, 'corrupt')
		expect(message).toMatch(/^"scratched\.jpg" is damaged and cannot be read as a JPEG image \(the decoder reported: .+\)$/)
	})
})

describe('size limits', () => {
	test('a 20000 × 20000 PNG bomb is refused from its header, quickly', async () => {
		const bomb = blackPng(20_000, 20_000)
		expect(bomb.length).toBeLessThan(1024 * 1024)
		const header = await sharp(bomb, { limitInputPixels: false }).metadata()
		expect([header.format, header.width, header.height]).toEqual(['png', 20_000, 20_000])

		const started = performance.now()
		const message = await expectRejected('bomb.png', bomb, 'too_many_pixels')
		expect(performance.now() - started).toBeLessThan(2000)
		expect(message).toBe('"bomb.png" is 20000 × 20000 pixels; images may have at most 50 megapixels')
	})

	test.each([
		['png', 30_000, 30_000],
		['jpeg', 10_000, 6_000],
		['webp', 16_000, 16_000],
	] as const)('a %s whose header claims %d × %d pixels is refused', async (format, width, height) => {
		const small = await encodeAs(noise(640, 512), format)
		const patched = claimSize(small, format, width, height)
		const header = await sharp(patched, { limitInputPixels: false }).metadata()
		expect([header.width, header.height]).toEqual([width, height])

		const message = await expectRejected(`huge.${EXTENSIONS[format]}`, patched, 'too_many_pixels')
		expect(message).toContain(`is ${width} × ${height} pixels`)
	})

	test('an image just under the pixel limit is not refused for its pixel count', async () => {
		const under = claimSize(await encodeAs(noise(640, 512), 'png'), 'png', 10_000, 5_000)
		expect((await rejectionOf('under.png', under)).code).not.toBe('too_many_pixels')
	})

	test('a 300 × 200 image is too small', async () => {
		const message = await expectRejected('small.jpg', await encodeAs(noise(300, 200), 'jpeg'), 'too_small')
		expect(message).toBe('"small.jpg" is 300 × 200 pixels; the shortest side must be at least 512 pixels')
	})

	test('the minimum side is judged after rotation', async () => {
		const rotated = await noise(600, 511).jpeg().withMetadata({ orientation: 6 }).toBuffer()
		expect(await expectRejected('turned.jpg', rotated, 'too_small')).toContain('is 511 × 600 pixels')
	})

	test('a file of 20 MB and one byte is too large, before anything else is looked at', async () => {
		const big = Buffer.alloc(IMAGE_LIMITS.maxFileBytes + 1)
		big.set([0xff, 0xd8, 0xff, 0xe0])
		const message = await expectRejected('big.jpg', big, 'too_large')
		expect(message).toBe('"big.jpg" is 20.1 MB; each image may be at most 20 MB')
	})

	test('a file of exactly 20 MB is not refused for its size', async () => {
		const limit = Buffer.alloc(IMAGE_LIMITS.maxFileBytes)
		limit.set([0xff, 0xd8, 0xff, 0xe0])
		expect((await rejectionOf('limit.jpg', limit)).code).not.toBe('too_large')
	})
})

describe('names', () => {
	test.each([
		['../../etc/passwd.jpg'],
		['a/b.jpg'],
		['..\\x.png'],
		['bad\u0000.png'],
		['tab\there.png'],
		['evil\u202egpj.exe'],
		[''],
		['   '],
		['.'],
		['..'],
		[`${'a'.repeat(296)}.jpg`],
	])('%j is refused', async (name) => {
		expect(checkUploadName(name)?.code).toBe('name')
		// The name is refused before the content is even looked at.
		await expectRejected(name, await encodeAs(noise(640, 512), 'jpeg'), 'name')
	})

	test('messages about names show them safely', () => {
		expect(checkUploadName('../../etc/passwd.jpg')?.message).toBe(
			'"../../etc/passwd.jpg" is not a plain file name: it must not contain folder separators ("/" or "\\")',
		)
		expect(checkUploadName('bad\u0000.png')?.message).toBe(
			'"bad\ufffd.png" contains control characters, which are not allowed in file names',
		)
		const long = checkUploadName(`${'a'.repeat(296)}.jpg`)?.message
		expect(long).toBe(`"${'a'.repeat(60)}…" has a name longer than 255 characters`)
		expect(checkUploadName('')?.message).toBe('A file has no name')
	})

	test('a name of exactly 255 characters is allowed', () => {
		expect(checkUploadName(`${'a'.repeat(251)}.jpg`)).toBeNull()
	})

	test('a name with spaces, accents and dots is accepted and trimmed for display', async () => {
		expect(checkUploadName('Mon chat été.JPG')).toBeNull()
		expect(checkUploadName('v1.2..final.png')).toBeNull()
		const image = await accepted('  Mon chat été.JPG ', await encodeAs(noise(640, 512), 'jpeg'))
		expect(image.displayName).toBe('Mon chat été.JPG')
		expect(image.extension).toBe('jpg')
	})

	test('a long display name is shortened to 200 characters, keeping its extension', async () => {
		const image = await accepted(`${'é'.repeat(246)}.jpeg`, await encodeAs(noise(640, 512), 'jpeg'))
		expect(Array.from(image.displayName)).toHaveLength(200)
		expect(image.displayName).toBe(`${'é'.repeat(195)}.jpeg`)
	})

	test('the extension in the name does not decide the type', async () => {
		const image = await accepted('looks-like.jpg', await encodeAs(noise(640, 512), 'png'))
		expect([image.format, image.mime, image.extension]).toEqual(['png', 'image/png', 'png'])
	})
})
