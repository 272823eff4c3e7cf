import type { Role } from '#app/generated/prisma/enums.ts'

// Permissions read `action:entity:access`. `own` covers resources of the signed-in user;
// `any` covers everyone's. Every loader and action asks for one through require….

export type Access = 'own' | 'any'
export type Permission = `${string}:${string}:${Access}`

const CUSTOMER: Permission[] = [
	'read:order:own',
	'update:order:own',
	'read:user:own',
	'update:user:own',
	'read:session:own',
	'delete:session:own',
	'read:payment:own',
	'update:wallet:own',
]

const STAFF_SELF: Permission[] = ['read:user:own', 'update:user:own', 'read:session:own', 'delete:session:own']

/** What the data-protection officer works on; admins can do all of it too. */
const DATA_PROTECTION: Permission[] = [
	'read:backoffice:any',
	'read:order:any',
	'read:user:any',
	'read:payment:any',
	'read:request:any',
	'update:request:any',
	'delete:user:any',
	'create:hold:any',
	'delete:hold:any',
	'update:takedown:any',
	'create:incident:any',
	'update:policy:any',
	'read:audit:any',
	'read:job:any',
]

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
	customer: CUSTOMER,
	// Support answers questions: it reads, and never exports, changes or deletes.
	support: [...STAFF_SELF, 'read:backoffice:any', 'read:order:any', 'read:user:any', 'read:payment:any', 'read:request:any'],
	dpo: [...STAFF_SELF, ...DATA_PROTECTION],
	admin: [...CUSTOMER, ...DATA_PROTECTION, 'update:order:any', 'update:user:any', 'update:role:any', 'create:refund:any', 'update:wallet:any', 'update:job:any'],
}

export const STAFF_ROLES: readonly Role[] = ['support', 'dpo', 'admin']

export function isStaff(role: Role) {
	return STAFF_ROLES.includes(role)
}

/** `any` implies `own`: whoever may read every order may read their own. */
export function can(role: Role, permission: Permission) {
	const granted = ROLE_PERMISSIONS[role]
	if (granted.includes(permission)) return true
	const [action, entity, access] = permission.split(':')
	return access === 'own' && granted.includes(`${action}:${entity}:any` as Permission)
}
