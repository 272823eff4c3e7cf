import { getFormProps, getTextareaProps, useForm } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod/v4'
import {
	data,
	MaxPartSizeExceededError,
	redirect,
	unstable_createMemoryUploadHandler,
	unstable_parseMultipartFormData,
	type ActionFunctionArgs,
	type LoaderFunctionArgs,
	type MetaFunction,
} from '@remix-run/node'
import { Form, useActionData, useFetcher, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorList } from '#app/components/forms.tsx'
import { ImageUploader } from '#app/components/image-uploader.tsx'
import { WizardSteps } from '#app/components/wizard-steps.tsx'
import { addImage, completeImages, removeImage, setCaption } from '#app/orders/wizard.server.ts'
import { stepPath } from '#app/orders/steps.ts'
import { assertAtStep, loadOwnOrder } from '#app/orders/wizard-access.server.ts'
import { checkUploadName, IMAGE_LIMITS, type ImageRejection } from '#app/uploads/image-check.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'

export const meta: MetaFunction = () => [{ title: 'Reference images — Lorica' }]

const MEGABYTE = 1024 * 1024
const STEP = 2

const CaptionSchema = z.object({
	imageId: z.string({ error: 'Choose an image' }),
	caption: z.string().trim().max(500, 'Keep the caption under 500 characters').optional(),
})
const ImageIdSchema = z.object({ imageId: z.string({ error: 'Choose an image' }) })

export async function loader({ request, params }: LoaderFunctionArgs) {
	const { order } = await loadOwnOrder(request, params.orderId)
	assertAtStep(order, STEP)
	return {
		order: { id: order.id, wizardStep: order.wizardStep },
		images: order.images.map((image) => ({
			id: image.id,
			displayName: image.displayName,
			caption: image.caption ?? '',
			width: image.width,
			height: image.height,
			bytes: image.bytes,
		})),
		totalBytes: order.images.reduce((sum, image) => sum + image.bytes, 0),
		limits: { minImages: IMAGE_LIMITS.minImages, maxImages: IMAGE_LIMITS.maxImages, maxFileBytes: IMAGE_LIMITS.maxFileBytes, maxOrderBytes: IMAGE_LIMITS.maxOrderBytes },
		// Uploads answer JSON, which a page URL cannot (Remix renders the page for its POSTs): the
		// image resource route below this one takes them and hands them to this action.
		uploadUrl: `/orders/${order.id}/images/upload`,
	}
}

function isMultipart(request: Request) {
	return /^multipart\/form-data\s*(;|$)/i.test(request.headers.get('Content-Type') ?? '')
}

export async function action({ request, params }: ActionFunctionArgs) {
	const { session, order } = await loadOwnOrder(request, params.orderId)
	if (isMultipart(request)) return upload(request, order, session.user.id)
	assertAtStep(order, STEP)
	const formData = await request.formData().catch(() => null)
	if (!formData) return data({ intent: null, error: 'The form could not be read.' }, { status: 400 })
	const intent = formData.get('intent')

	if (intent === 'caption') {
		const submission = parseWithZod(formData, { schema: CaptionSchema })
		const imageId = String(formData.get('imageId') ?? '')
		if (submission.status !== 'success') return data({ intent, imageId, result: submission.reply(), saved: false }, { status: 400 })
		try {
			await setCaption(order.id, session.user.id, submission.value.imageId, submission.value.caption ?? '')
		} catch (error) {
			if (!(error instanceof UserFacingError)) throw error
			return data({ intent, imageId, result: submission.reply({ formErrors: [error.message] }), saved: false }, { status: error.status })
		}
		return data({ intent, imageId, result: submission.reply(), saved: true })
	}

	if (intent === 'remove') {
		const submission = parseWithZod(formData, { schema: ImageIdSchema })
		if (submission.status !== 'success') return data({ intent, error: 'Choose an image to remove.' }, { status: 400 })
		try {
			await removeImage(order.id, session.user.id, submission.value.imageId)
		} catch (error) {
			if (!(error instanceof UserFacingError)) throw error
			return data({ intent, error: error.message }, { status: error.status })
		}
		return data({ intent, error: null })
	}

	if (intent === 'continue') {
		const submission = parseWithZod(formData, { schema: z.object({}) })
		try {
			await completeImages(order.id, session.user.id)
		} catch (error) {
			if (!(error instanceof UserFacingError)) throw error
			return data({ intent, result: submission.reply({ formErrors: [error.message] }) }, { status: error.status })
		}
		return redirect(stepPath(order.id, 'settings'))
	}

	return data({ intent: null, error: 'Unknown action.' }, { status: 400 })
}

// ---------------------------------------------------------------------------------------------
// Uploads: one file per multipart request, answered with JSON for the uploader's XHR.

/** The start of the body is kept to read the file name as sent (see clientFileName). */
const UPLOAD_HEAD_BYTES = 64 * 1024
/** The uploader sends `intent` and `file`; anything much bigger is not it. */
const MAX_UPLOAD_PARTS = 4

function problem(status: number, title: string, detail: string, extra: Record<string, string> = {}) {
	return Response.json({ type: 'about:blank', title, status, detail, ...extra }, { status, headers: { 'Content-Type': 'application/problem+json' } })
}

function rejected(file: string, rejection: ImageRejection | { code: string; message: string }) {
	return problem(422, 'Image rejected', rejection.message, { code: rejection.code, file })
}

/** The name for a message; checkUploadName has already refused invisible characters. */
function shown(name: string) {
	const characters = Array.from(name)
	return `"${characters.length > 60 ? `${characters.slice(0, 60).join('')}…` : name}"`
}

/**
 * The file name exactly as the client sent it. Remix's multipart parser keeps only what
 * follows the last "/" or "\", so "../../x.jpg" would reach the checks as "x.jpg"; they
 * must see the real name to refuse it.
 */
function clientFileName(head: Buffer, boundary: string) {
	const delimiter = `--${boundary}\r\n`
	for (let at = head.indexOf(delimiter); at !== -1; at = head.indexOf(delimiter, at + delimiter.length)) {
		const start = at + delimiter.length
		const end = head.indexOf('\r\n\r\n', start)
		if (end === -1) return null
		const disposition = head
			.subarray(start, end)
			.toString('utf8')
			.split('\r\n')
			.find((line) => /^content-disposition:/i.test(line))
		if (!disposition || !/;\s*name="?file"?\s*(;|$)/i.test(disposition)) continue
		const match = /;\s*filename="((?:[^"\\]|\\.)*)"/i.exec(disposition) ?? /;\s*filename=([^";\s][^;]*)/i.exec(disposition)
		return match ? match[1]!.replace(/\\"/g, '"') : null
	}
	return null
}

/** The one uploaded file, or the problem response that refuses the request. */
async function receiveUpload(request: Request): Promise<{ name: string; data: Buffer } | Response> {
	const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(request.headers.get('Content-Type') ?? '')
	const head: Buffer[] = []
	let seen = 0
	const body = request.body?.pipeThrough(
		new TransformStream<Uint8Array, Uint8Array>({
			transform(chunk, controller) {
				if (seen < UPLOAD_HEAD_BYTES) head.push(Buffer.from(chunk.subarray(0, UPLOAD_HEAD_BYTES - seen)))
				seen += chunk.byteLength
				controller.enqueue(chunk)
			},
		}),
	)
	const sentName = () => (boundary ? clientFileName(Buffer.concat(head), boundary[1] ?? boundary[2]!) : null)
	const memory = unstable_createMemoryUploadHandler({ maxPartSize: IMAGE_LIMITS.maxFileBytes + 1 })
	let parts = 0
	let lastFileName: string | undefined
	let form: FormData
	try {
		const observed = new Request(request.url, { method: 'POST', headers: request.headers, body, duplex: 'half' } as RequestInit)
		form = await unstable_parseMultipartFormData(observed, (part) => {
			if (++parts > MAX_UPLOAD_PARTS) throw new Error('too many form parts')
			if (part.name === 'file') lastFileName = part.filename
			return memory(part)
		})
	} catch (error) {
		const name = sentName() ?? lastFileName ?? null
		if (error instanceof MaxPartSizeExceededError && error.field === 'file') {
			const limit = `${IMAGE_LIMITS.maxFileBytes / MEGABYTE} MB`
			return rejected(name ?? '', checkUploadName(name ?? '') ?? { code: 'too_large', message: `${shown(name ?? '')} is larger than ${limit}; each image may be at most ${limit}` })
		}
		// The parser cannot read a quoted file name with ";" or "=" in it: say so, not "unreadable".
		if (name && /[;=]/.test(name))
			return rejected(name, checkUploadName(name) ?? { code: 'name', message: `${shown(name)} cannot be uploaded because of the ";" or "=" in its name: rename the file and try again` })
		return problem(400, 'Upload not readable', 'The upload could not be read as a form with one image. Choose the file again and retry.')
	}
	const files = form.getAll('file')
	const file = files[0]
	if (files.length !== 1 || !(file instanceof File)) return problem(400, 'No image', 'Send exactly one image, in the form field "file".')
	const sent = sentName()
	const name = sent !== null && sent.split(/[/\\]/).pop() === file.name ? sent : file.name
	return { name, data: Buffer.from(await file.arrayBuffer()) }
}

async function upload(request: Request, order: { id: string; status: string; wizardStep: number }, customerId: string) {
	if (order.status !== 'draft') return problem(409, 'Order not editable', 'This order is no longer a draft: its images cannot be changed.')
	if (order.wizardStep < STEP) return problem(409, 'Step 1 not done', 'Choose the model and describe the concept before uploading images.')
	const received = await receiveUpload(request)
	if (received instanceof Response) return received
	try {
		const result = await addImage(order.id, customerId, received)
		if (!result.ok) return rejected(received.name, result.rejection)
		return Response.json({ ok: true, image: result.image }, { status: 201 })
	} catch (error) {
		if (error instanceof UserFacingError) return problem(error.status, 'Upload refused', error.message, { file: received.name })
		throw error
	}
}

// ---------------------------------------------------------------------------------------------

function formatBytes(bytes: number) {
	if (bytes < MEGABYTE) return `${bytes ? Math.max(1, Math.round(bytes / 1024)) : 0} KB`
	return `${(bytes / MEGABYTE).toFixed(1)} MB`
}

type ImageItem = { id: string; displayName: string; caption: string; width: number; height: number; bytes: number }

function ImageRow({ orderId, image }: { orderId: string; image: ImageItem }) {
	const captionFetcher = useFetcher<typeof action>()
	const removeFetcher = useFetcher<typeof action>()
	const captionData = captionFetcher.data && captionFetcher.data.intent === 'caption' ? captionFetcher.data : null
	const removeError = removeFetcher.data && removeFetcher.data.intent === 'remove' ? removeFetcher.data.error : null
	const [form, fields] = useForm({
		id: `caption-${image.id}`,
		lastResult: captionFetcher.state === 'idle' ? captionData?.result : null,
		defaultValue: { caption: image.caption },
		onValidate: ({ formData }) => parseWithZod(formData, { schema: CaptionSchema }),
		shouldValidate: 'onSubmit',
		shouldRevalidate: 'onInput',
	})
	const nameId = `image-${image.id}-name`
	const removing = removeFetcher.state !== 'idle'
	return (
		<li className="image-item" aria-labelledby={nameId} aria-busy={removing || undefined}>
			<img src={`/orders/${orderId}/images/${image.id}`} alt="" width={160} height={160} loading="lazy" decoding="async" className="image-thumb" />
			<div className="image-details stack">
				<div>
					<p id={nameId} className="image-name">
						{image.displayName}
					</p>
					<p className="hint">
						{image.width} × {image.height} px · {formatBytes(image.bytes)}
					</p>
				</div>
				<captionFetcher.Form method="post" className="caption-form" {...getFormProps(form)}>
					<input type="hidden" name="intent" value="caption" />
					<input type="hidden" name="imageId" value={image.id} />
					<div className="field">
						<label htmlFor={fields.caption.id}>Caption (optional)</label>
						<textarea
							{...getTextareaProps(fields.caption)}
							rows={2}
							maxLength={500}
							aria-invalid={fields.caption.errors?.length ? true : undefined}
							aria-describedby={fields.caption.errors?.length ? fields.caption.errorId : undefined}
						/>
						<ErrorList id={fields.caption.errorId} errors={fields.caption.errors} />
					</div>
					<ErrorList id={form.errorId} errors={form.errors} />
					<p className="actions">
						<button type="submit" className="button" disabled={captionFetcher.state !== 'idle'}>
							Save caption<span className="visually-hidden"> for {image.displayName}</span>
						</button>
						<span role="status" className="hint">
							{captionFetcher.state === 'idle' && captionData?.saved ? 'Caption saved.' : ''}
						</span>
					</p>
				</captionFetcher.Form>
				<removeFetcher.Form method="post">
					<input type="hidden" name="intent" value="remove" />
					<input type="hidden" name="imageId" value={image.id} />
					<button type="submit" className="button danger" disabled={removing}>
						{removing ? 'Removing…' : 'Remove'}
						<span className="visually-hidden"> {image.displayName}</span>
					</button>
					{removeError ? <ErrorList errors={[removeError]} /> : null}
				</removeFetcher.Form>
			</div>
		</li>
	)
}

export default function OrderImagesPage() {
	const { order, images, totalBytes, limits, uploadUrl } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const [continueForm] = useForm({
		id: 'images-continue',
		lastResult: actionData && actionData.intent === 'continue' ? actionData.result : null,
		shouldValidate: 'onSubmit',
		shouldRevalidate: 'onInput',
	})
	const enough = images.length >= limits.minImages
	return (
		<section className="page stack" aria-labelledby="images-title">
			<WizardSteps orderId={order.id} current={STEP} furthest={order.wizardStep} />
			<div>
				<h1 id="images-title">Reference images</h1>
				<p>
					Upload {limits.minImages} to {limits.maxImages} JPEG, PNG or WebP images of your concept, each at least 512 pixels on the
					shortest side and at most {limits.maxFileBytes / MEGABYTE} MB. We remove location and camera data from every image before
					storing it.
				</p>
				<p className="image-totals">
					<strong>
						{images.length} of {limits.minImages}–{limits.maxImages} images
					</strong>
					, {formatBytes(totalBytes)} of {limits.maxOrderBytes / MEGABYTE} MB
				</p>
			</div>
			<ImageUploader uploadUrl={uploadUrl} maxFileBytes={limits.maxFileBytes} />
			{images.length ? (
				<ul className="image-list" aria-label="Uploaded images">
					{images.map((image) => (
						<ImageRow key={image.id} orderId={order.id} image={image} />
					))}
				</ul>
			) : (
				<p>No images yet.</p>
			)}
			<Form method="post" className="stack" {...getFormProps(continueForm)}>
				<ErrorList id={continueForm.errorId} errors={continueForm.errors} />
				<p className="actions">
					<button type="submit" name="intent" value="continue" className="button primary">
						Continue to training settings
					</button>
					{enough ? null : (
						<span className="hint">
							{limits.minImages - images.length} more image{limits.minImages - images.length === 1 ? '' : 's'} needed.
						</span>
					)}
				</p>
			</Form>
		</section>
	)
}
