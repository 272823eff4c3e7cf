import type { MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { CONCEPT_LABELS, FAMILY_INFO } from '#app/orders/catalog.ts'
import { listGallery } from '#app/orders/results.server.ts'

export const meta: MetaFunction = () => [{ title: 'Gallery — Lorica' }, { name: 'description', content: 'Sample images customers released under CC0.' }]

export async function loader() {
	const items = await listGallery()
	return {
		items: items.map((item) => ({
			id: item.id,
			name: item.displayName,
			label: `${CONCEPT_LABELS[item.order.conceptType]} LoRA on ${FAMILY_INFO[item.order.baseModel].label}`,
		})),
	}
}

export default function GalleryPage() {
	const { items } = useLoaderData<typeof loader>()
	return (
		<section className="page stack" aria-labelledby="gallery-title">
			<h1 id="gallery-title">Gallery</h1>
			<p className="lead">Sample images our customers chose to share. Every image here is released under CC0 1.0: free to use for any purpose, no attribution needed.</p>
			<p className="hint">
				Does an image show you without your consent? Write to us through the privacy center and it is taken down.
			</p>
			{items.length === 0 ? (
				<p>Nothing has been published yet.</p>
			) : (
				<ul className="gallery">
					{items.map((item) => (
						<li key={item.id}>
							<figure>
								<img src={`/gallery/${item.id}`} alt={`${item.label}: ${item.name}`} loading="lazy" width={256} height={256} />
								<figcaption>
									{item.label} · CC0
								</figcaption>
							</figure>
						</li>
					))}
				</ul>
			)}
		</section>
	)
}
