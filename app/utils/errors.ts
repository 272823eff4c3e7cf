/** A failure the person can act on: its message is shown as is, with this HTTP status. */
export class UserFacingError extends Error {
	constructor(
		message: string,
		readonly status = 400,
	) {
		super(message)
		this.name = new.target.name
	}
}
