const MEGABYTE = 1024 * 1024

/** File sizes as people read them: "27 KB", "3.4 MB". */
export function formatBytes(bytes: number) {
	if (bytes < MEGABYTE) return `${bytes ? Math.max(1, Math.round(bytes / 1024)) : 0} KB`
	return `${(bytes / MEGABYTE).toFixed(1)} MB`
}
