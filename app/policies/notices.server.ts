import { prisma } from '#app/db/db.server.ts'
import { sendMail } from '#app/mail/mail.server.ts'
import { trustedOrigin } from '#app/utils/trusted-origin.server.ts'
import { ACCEPTED_KINDS } from './acceptance.server.ts'
import { compareVersions } from './documents.server.ts'
import { POLICY_TITLES } from './kinds.ts'
import { listPublishedVersions, previousVersion } from './publish.server.ts'
import { day } from './pages.server.ts'

// Material changes are announced by e-mail exactly once per customer: queueing inserts one
// PolicyNotice row per (customer, version) and ignores the ones that exist, delivery claims
// a row before sending, so reruns and parallel workers never send twice.

export const MAX_NOTICE_ATTEMPTS = 5
/** A claim older than this belongs to a worker that died mid-send. */
const STALE_CLAIM_MS = 10 * 60_000

/** With `dryRun`, counts the notices it would queue and writes nothing. */
export async function queuePolicyNotices(options: { dryRun?: boolean } = {}): Promise<number> {
	let queued = 0
	for (const kind of ACCEPTED_KINDS) {
		const versions = await listPublishedVersions(kind)
		// The first version of a document announces nothing: everyone accepted it at sign-up.
		for (const version of versions.slice(1).filter((entry) => entry.material)) {
			const customers = await prisma.user.findMany({
				where: { role: 'customer', createdAt: { lt: version.publishedAt } },
				select: { id: true, acceptances: { where: { kind }, select: { version: true } } },
			})
			const due = customers.filter((customer) => !customer.acceptances.some((row) => compareVersions(row.version, version.version) >= 0))
			if (!due.length) continue
			if (options.dryRun) {
				const existing = await prisma.policyNotice.count({ where: { kind, version: version.version, userId: { in: due.map((customer) => customer.id) } } })
				queued += due.length - existing
				continue
			}
			const result = await prisma.policyNotice.createMany({
				data: due.map((customer) => ({ userId: customer.id, kind, version: version.version })),
				skipDuplicates: true,
			})
			queued += result.count
		}
	}
	return queued
}

async function noticeText(kind: (typeof ACCEPTED_KINDS)[number], version: string) {
	const versions = await listPublishedVersions(kind)
	const entry = versions.find((item) => item.version === version)
	if (!entry) throw new Error(`${kind} ${version} is not published`)
	const origin = trustedOrigin()
	const from = previousVersion(versions, version)
	const diff = from ? `${origin}/policies/${kind}/diff?${new URLSearchParams({ from, to: version })}` : `${origin}/policies/${kind}/${version}`
	const title = POLICY_TITLES[kind]
	return {
		subject: `We are changing our ${title} (version ${version})`,
		text: [
			`Our ${title} changes on ${day(entry.effectiveAt)} (version ${version}).`,
			'',
			`What changes: ${entry.summary}`,
			'',
			`See exactly what changed: ${diff}`,
			'',
			'The change is material: the next time you sign in, we will ask you to accept the new version before you continue.',
			`You can also review your data and your choices at any time: ${origin}/account`,
		].join('\n'),
	}
}

export type DeliveryResult = { sent: number; failed: number; retrying: number }

/** How many notices a delivery run would try to send now. */
export function countDueNotices() {
	return prisma.policyNotice.count({ where: { status: 'pending' } })
}

export async function deliverPolicyNotices(limit = 100, now = new Date()): Promise<DeliveryResult> {
	await prisma.policyNotice.updateMany({
		where: { status: 'sending', claimedAt: { lt: new Date(now.getTime() - STALE_CLAIM_MS) } },
		data: { status: 'pending' },
	})
	const due = await prisma.policyNotice.findMany({
		where: { status: 'pending' },
		select: { id: true, kind: true, version: true, attempts: true, user: { select: { email: true } } },
		orderBy: { createdAt: 'asc' },
		take: limit,
	})
	const result: DeliveryResult = { sent: 0, failed: 0, retrying: 0 }
	for (const notice of due) {
		const claimed = await prisma.policyNotice.updateMany({
			where: { id: notice.id, status: 'pending' },
			data: { status: 'sending', claimedAt: now, attempts: { increment: 1 } },
		})
		if (claimed.count !== 1) continue
		try {
			const message = await noticeText(notice.kind as (typeof ACCEPTED_KINDS)[number], notice.version)
			await sendMail({ to: notice.user.email, category: 'transactional', ...message })
			await prisma.policyNotice.update({ where: { id: notice.id }, data: { status: 'sent', sentAt: new Date(), lastError: null }, select: { id: true } })
			result.sent++
		} catch (error) {
			const finalAttempt = notice.attempts + 1 >= MAX_NOTICE_ATTEMPTS
			await prisma.policyNotice.update({
				where: { id: notice.id },
				data: { status: finalAttempt ? 'failed' : 'pending', lastError: error instanceof Error ? error.message.slice(0, 500) : 'unknown error' },
				select: { id: true },
			})
			if (finalAttempt) result.failed++
			else result.retrying++
		}
	}
	return result
}
