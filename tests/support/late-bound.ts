/**
 * Stands for a test double that a `beforeAll` hook creates: the object can be held at the
 * top of a file and used inside tests, where the double exists.
 */
export function lateBound<T extends object>(current: () => T | undefined, what: string): T {
	return new Proxy({} as T, {
		get(_target, property) {
			const value = current()
			if (!value) throw new Error(`${what} starts in beforeAll; use it inside tests`)
			const member = Reflect.get(value, property, value)
			return typeof member === 'function' ? member.bind(value) : member
		},
	})
}
