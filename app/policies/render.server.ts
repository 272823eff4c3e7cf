import { describeCookieLifetime, describeRetention, getDataMap } from '#app/privacy/data-map.server.ts'
import { LEGAL_BASES, type DataMap } from '#app/privacy/data-map-schema.ts'

// Policy files say `{{data-map:retention}}` where the retention table belongs; the table
// comes from the data map, so the published text and the jobs cannot disagree.

const PLACEHOLDER = /\{\{\s*data-map:([a-z-]+)\s*\}\}/g

/** Markdown table cells must not break the table. */
function cell(text: string) {
	return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

function table(head: string[], rows: string[][]) {
	return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n')
}

const SECTIONS: Record<string, (map: DataMap) => string> = {
	retention: (map) =>
		table(
			['Data', 'How long we keep it'],
			map.categories.map((item) => [item.scope ? `${item.name} (${item.scope.label})` : item.name, describeRetention(item.retention)]),
		),
	categories: (map) =>
		table(
			['Data', 'What it is', 'Why we process it', 'Legal basis'],
			map.categories.map((item) => [item.name, item.description, item.purposes.join('; '), LEGAL_BASES[item.legalBasis]]),
		),
	recipients: (map) =>
		table(
			['Recipient', 'What they do', 'What they receive', 'Where', 'Transfer safeguard'],
			map.recipients.map((recipient) => [
				recipient.name,
				recipient.purpose,
				map.categories
					.filter((item) => item.recipients.includes(recipient.id))
					.map((item) => item.name)
					.join(', ') || '—',
				recipient.country,
				recipient.safeguard,
			]),
		),
	cookies: (map) =>
		table(
			['Cookie', 'Category', 'What it does', 'Lifetime'],
			map.cookies.map((item) => [`\`${item.name}\``, item.purpose, item.description, describeCookieLifetime(item, map)]),
		),
}

export class UnknownPlaceholderError extends Error {
	override name = 'UnknownPlaceholderError'
}

export function renderPolicySections(markdown: string, map: DataMap = getDataMap()): string {
	return markdown.replace(PLACEHOLDER, (_match, section: string) => {
		const render = SECTIONS[section]
		if (!render)
			throw new UnknownPlaceholderError(`Unknown policy placeholder {{data-map:${section}}}; known: ${Object.keys(SECTIONS).join(', ')}`)
		return render(map)
	})
}
