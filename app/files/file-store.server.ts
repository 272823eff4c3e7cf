import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { getEnv } from '#app/utils/env.server.ts'

// Files (reference images, results, export archives) live under <DATA_DIR>/files, addressed
// by keys the application generates: `<kind>/<owner id>/<random>.<ext>`. A write goes to a
// temporary name and is renamed into place, so a reader never sees half a file. The key
// shape is checked on every access, so nothing from a request can point outside the store.

/** The kinds of file the store holds; the data map names one per file storage entry. */
export const FILE_KINDS = ['source_image', 'result', 'export_archive'] as const

export type FileKind = (typeof FILE_KINDS)[number]

const KEY = new RegExp(`^(${FILE_KINDS.join('|')})/[a-z0-9][a-z0-9-]{2,40}/[a-z0-9]{16,40}\\.[a-z0-9]{2,12}$`)

export function fileStoreRoot() {
	return path.resolve(getEnv().DATA_DIR, 'files')
}

export function newFileKey(kind: FileKind, ownerId: string, extension: string) {
	return `${kind}/${ownerId.toLowerCase()}/${randomBytes(12).toString('hex')}.${extension}`
}

export function filePath(key: string) {
	if (!KEY.test(key)) throw new Error('invalid file key')
	return path.join(fileStoreRoot(), key)
}

export async function writeFile(key: string, data: Buffer) {
	const target = filePath(key)
	await fs.mkdir(path.dirname(target), { recursive: true })
	const temporary = `${target}.${randomBytes(6).toString('hex')}.partial`
	try {
		await fs.writeFile(temporary, data, { flag: 'wx' })
		await fs.rename(temporary, target)
	} catch (error) {
		await fs.rm(temporary, { force: true })
		throw error
	}
}

export function readFile(key: string) {
	return fs.readFile(filePath(key))
}

/** Removing a file that is already gone is success: deletion jobs may run twice. */
export async function deleteFile(key: string) {
	await fs.rm(filePath(key), { force: true })
}

export async function fileExists(key: string) {
	try {
		await fs.access(filePath(key))
		return true
	} catch {
		return false
	}
}
