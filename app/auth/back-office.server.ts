import type { BackOfficeLinks } from '#app/components/back-office-nav.tsx'
import type { Role } from '#app/generated/prisma/enums.ts'
import { can } from './permissions.ts'

export function backOfficeLinks(role: Role): BackOfficeLinks {
	return {
		orders: can(role, 'read:order:any'),
		users: can(role, 'read:user:any'),
		audit: can(role, 'read:audit:any'),
		policies: can(role, 'update:policy:any'),
		coins: can(role, 'update:wallet:any'),
		jobs: can(role, 'read:job:any'),
	}
}
