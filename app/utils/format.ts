const MEGABYTE = 1024 * 1024

/** File sizes as people read them: "27 KB", "3.4 MB". */
export function formatBytes(bytes: number) {
	if (bytes < MEGABYTE) return `${bytes ? Math.max(1, Math.round(bytes / 1024)) : 0} KB`
	return `${(bytes / MEGABYTE).toFixed(1)} MB`
}

/** "in 4 min", "2 h ago": how far `at` is from `now`, to the unit people think in. */
export function relativeTime(at: Date, now: Date) {
	const seconds = Math.round((at.getTime() - now.getTime()) / 1000)
	const size = Math.abs(seconds)
	const amount =
		size < 60 ? `${size} s` : size < 3600 ? `${Math.round(size / 60)} min` : size < 172_800 ? `${Math.round(size / 3600)} h` : `${Math.round(size / 86_400)} days`
	return seconds >= 0 ? `in ${amount}` : `${amount} ago`
}

/** A moment for staff pages: "2026-12-01 12:35 UTC (in 4 min)". */
export function formatMoment(iso: string, nowIso: string) {
	const at = new Date(iso)
	return `${iso.slice(0, 16).replace('T', ' ')} UTC (${relativeTime(at, new Date(nowIso))})`
}
