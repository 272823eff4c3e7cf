import type { MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { retentionPeriod } from '#app/privacy/data-map.server.ts'

export const meta: MetaFunction = () => [
	{ title: 'Lorica — LoRA training with your data rights built in' },
	{ name: 'description', content: 'Order LoRA training for image and video models; see, export and delete your data at any time.' },
]

// The retention periods come from the data map, so the home page says what the jobs do.
export function loader() {
	return { imageRetention: retentionPeriod('source_images'), resultRetention: retentionPeriod('private_results') }
}

function steps({ imageRetention, resultRetention }: { imageRetention: string; resultRetention: string }) {
	return [
		['Describe your concept', 'Pick a base model (Flux.1 dev, SDXL, SD 1.5 or Wan 2.1 video), say whether it is a character, a style or an object, and choose a trigger word.'],
		['Upload 5–50 reference images', `Only images you hold the rights to. We strip location metadata before anything is stored, and delete the images ${imageRetention} after upload.`],
		['Pay and train', 'Pay by card or with coins. The order page shows which GPU provider received which files, and when.'],
		['Download your LoRA', `Weights and sample images are yours. Publish samples to the gallery if you like; unpublished results are deleted after ${resultRetention}.`],
	] as const
}

const RIGHTS = [
	['See and export', 'everything we hold about you, as a readable report and a machine-readable archive with your files.'],
	['Correct or delete', 'your data; we tell the providers that received it. Only records the law makes us keep are kept, and we say which.'],
	['Restrict or object', 'to processing, and withdraw consent as easily as you gave it.'],
	['Know the deadlines', 'every request is answered within one month, and you can follow its progress.'],
] as const

export default function Index() {
	const periods = useLoaderData<typeof loader>()
	return (
		<>
			<section className="hero" aria-labelledby="hero-title">
				<div className="page">
					<p className="eyebrow">LoRA training for image and video models</p>
					<h1 id="hero-title">Train a LoRA on your own material — and keep control of your data.</h1>
					<p className="lead">
						Lorica runs LoRA training on external GPU providers for characters, styles and objects you own. Around every
						order sits a privacy center: what our policies promise about your data is exactly what the system does.
					</p>
					<p className="actions">
						<Link to="/login" className="button primary">
							Start an order
						</Link>
						<Link to="/policies/privacy" className="button">
							Read the privacy policy
						</Link>
					</p>
				</div>
			</section>

			<section className="page" id="how-it-works" aria-labelledby="how-title">
				<h2 id="how-title">How it works</h2>
				<ol className="steps">
					{steps(periods).map(([title, text]) => (
						<li key={title}>
							<h3>{title}</h3>
							<p>{text}</p>
						</li>
					))}
				</ol>
			</section>

			<section className="page" id="your-rights" aria-labelledby="rights-title">
				<h2 id="rights-title">Your rights, one click away</h2>
				<ul className="cards">
					{RIGHTS.map(([title, text]) => (
						<li key={title}>
							<strong>{title}</strong> {text}
						</li>
					))}
				</ul>
				<p>
					For adults only (18+). Uploads must not depict a real person without their consent; anyone depicted can ask for
					removal.
				</p>
			</section>
		</>
	)
}
