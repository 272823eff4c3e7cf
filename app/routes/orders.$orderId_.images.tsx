import { getFormProps, getTextareaProps, useForm } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod/v4'
import {
	data,
	redirect,
	type ActionFunctionArgs,
	type LoaderFunctionArgs,
	type MetaFunction,
} from '@remix-run/node'
import { Form, useActionData, useFetcher, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorList } from '#app/components/forms.tsx'
import { ImageUploader } from '#app/components/image-uploader.tsx'
import { WizardSteps } from '#app/components/wizard-steps.tsx'
import { completeImages, removeImage, setCaption } from '#app/orders/wizard.server.ts'
import { stepPath } from '#app/orders/steps.ts'
import { assertAtStep, loadOwnOrder } from '#app/orders/wizard-access.server.ts'
import { IMAGE_LIMITS } from '#app/uploads/image-check.server.ts'
import { handleImageUpload, isMultipart } from '#app/uploads/upload-request.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { formatBytes } from '#app/utils/format.ts'
import { readForm } from '#app/utils/request-body.server.ts'
import { idField } from '#app/utils/ids.ts'
import { multilineText } from '#app/utils/text-schema.ts'

export const meta: MetaFunction = () => [{ title: 'Reference images — Lorica' }]

const MEGABYTE = 1024 * 1024
const STEP = 2

const CaptionSchema = z.object({
	imageId: idField('Choose an image'),
	caption: multilineText().trim().max(500, 'Keep the caption under 500 characters').optional(),
})
const ImageIdSchema = z.object({ imageId: idField('Choose an image') })

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

export async function action({ request, params }: ActionFunctionArgs) {
	const { session, order } = await loadOwnOrder(request, params.orderId)
	if (isMultipart(request)) return handleImageUpload(request, order, session.user.id)
	assertAtStep(order, STEP)
	const formData = await readForm(request)
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
