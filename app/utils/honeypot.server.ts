/** A filled honeypot means a bot: refuse plainly, with nothing stored and no mail sent. */
export function checkHoneypot(formData: FormData) {
	const value = formData.get('website')
	if (typeof value === 'string' && value.length > 0) throw new Response('Form rejected', { status: 400 })
}
