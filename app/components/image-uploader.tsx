import { useRevalidator } from '@remix-run/react'
import { useId, useRef, useState, type DragEvent } from 'react'

// Uploads reference images one request per file, three at a time, with XMLHttpRequest: fetch
// cannot report upload progress. The server checks every file and answers 201 or a problem
// document whose `detail` is the reason, shown as is. Same-origin XHR sends the Origin
// header the server's cross-site check wants, and the session cookie.

const PARALLEL_UPLOADS = 3
const MEGABYTE = 1024 * 1024

type State = 'queued' | 'uploading' | 'uploaded' | 'rejected' | 'failed'
type Item = { key: number; name: string; progress: number; state: State; message: string | null }

function problemDetail(body: string) {
	try {
		const parsed: unknown = JSON.parse(body)
		if (parsed && typeof parsed === 'object' && 'detail' in parsed && typeof parsed.detail === 'string') return parsed.detail
	} catch {
		// Not JSON: a proxy error page, or the sign-in page after the session ended.
	}
	return null
}

function summaryOf(items: Item[]) {
	const count = (state: State) => items.filter((item) => item.state === state).length
	const pending = count('queued') + count('uploading')
	if (pending) return `Uploading ${pending} of ${items.length} image${items.length === 1 ? '' : 's'}…`
	const parts = [`${count('uploaded')} uploaded`, `${count('rejected')} rejected`]
	if (count('failed')) parts.push(`${count('failed')} failed`)
	return parts.join(', ')
}

export function ImageUploader({ uploadUrl, maxFileBytes }: { uploadUrl: string; maxFileBytes: number }) {
	const revalidator = useRevalidator()
	const inputId = useId()
	const hintId = useId()
	const [items, setItems] = useState<Item[]>([])
	const [dragging, setDragging] = useState(false)
	const queue = useRef<Array<{ key: number; file: File }>>([])
	const running = useRef(0)
	const nextKey = useRef(0)

	function update(key: number, patch: Partial<Item>) {
		setItems((current) => current.map((item) => (item.key === key ? { ...item, ...patch } : item)))
	}

	function send(key: number, file: File) {
		return new Promise<void>((resolve) => {
			const request = new XMLHttpRequest()
			request.open('POST', uploadUrl)
			request.setRequestHeader('Accept', 'application/json')
			request.upload.addEventListener('progress', (event) => {
				if (event.lengthComputable) update(key, { progress: Math.min(99, Math.floor((event.loaded / event.total) * 100)) })
			})
			request.addEventListener('load', () => {
				if (request.status === 201) update(key, { state: 'uploaded', progress: 100, message: 'Uploaded' })
				else
					update(key, {
						state: 'rejected',
						message: problemDetail(request.responseText) ?? `The upload failed (HTTP ${request.status}). Reload the page, check that you are signed in, and try again.`,
					})
				resolve()
			})
			const failed = () => {
				update(key, { state: 'failed', message: 'The connection failed before the upload finished. Check your network and try again.' })
				resolve()
			}
			request.addEventListener('error', failed)
			request.addEventListener('abort', failed)
			const body = new FormData()
			body.append('intent', 'upload')
			body.append('file', file)
			update(key, { state: 'uploading' })
			request.send(body)
		})
	}

	function pump() {
		while (running.current < PARALLEL_UPLOADS && queue.current.length) {
			const next = queue.current.shift()!
			running.current++
			void send(next.key, next.file).then(() => {
				running.current--
				// The page's list and totals come from the server: reload them once everything is done.
				if (!running.current && !queue.current.length) revalidator.revalidate()
				else pump()
			})
		}
	}

	function add(files: FileList | null) {
		if (!files?.length) return
		const added = Array.from(files, (file) => ({ key: nextKey.current++, file }))
		setItems((current) => [
			...current,
			...added.map(({ key, file }): Item => {
				// A courtesy: the server refuses these anyway, but why send 20 MB to hear it.
				if (file.size > maxFileBytes)
					return {
						key,
						name: file.name,
						progress: 0,
						state: 'rejected',
						message: `"${file.name}" is ${(file.size / MEGABYTE).toFixed(1)} MB; each image may be at most ${maxFileBytes / MEGABYTE} MB`,
					}
				return { key, name: file.name, progress: 0, state: 'queued', message: null }
			}),
		])
		queue.current.push(...added.filter(({ file }) => file.size <= maxFileBytes))
		pump()
	}

	function onDrop(event: DragEvent<HTMLDivElement>) {
		event.preventDefault()
		setDragging(false)
		add(event.dataTransfer.files)
	}

	return (
		<div className="uploader stack">
			<div
				className={`drop-zone${dragging ? ' dragging' : ''}`}
				onDragOver={(event) => {
					event.preventDefault()
					event.dataTransfer.dropEffect = 'copy'
					setDragging(true)
				}}
				onDragLeave={() => setDragging(false)}
				onDrop={onDrop}
			>
				<label htmlFor={inputId}>Add images</label>
				<input
					id={inputId}
					type="file"
					multiple
					accept="image/jpeg,image/png,image/webp"
					aria-describedby={hintId}
					onChange={(event) => {
						add(event.currentTarget.files)
						// The same file can be chosen again after a rejection.
						event.currentTarget.value = ''
					}}
				/>
				<p id={hintId} className="hint">
					Choose files or drop them here: JPEG, PNG or WebP, up to {maxFileBytes / MEGABYTE} MB each.
				</p>
			</div>
			<p className="upload-summary" aria-live="polite">
				{items.length ? summaryOf(items) : ''}
			</p>
			{items.length ? (
				<ul className="upload-list" aria-label="Uploads">
					{items.map((item) => (
						<li key={item.key} className={`upload-item ${item.state}`}>
							<span className="upload-name" id={`upload-${item.key}`}>
								{item.name}
							</span>
							{item.state === 'queued' || item.state === 'uploading' ? (
								<span className="upload-progress">
									<progress max={100} value={item.progress} aria-labelledby={`upload-${item.key}`} />
									<span>{item.state === 'queued' ? 'Waiting' : `${item.progress}%`}</span>
								</span>
							) : (
								<span className="upload-outcome">{item.message}</span>
							)}
						</li>
					))}
				</ul>
			) : null}
		</div>
	)
}
