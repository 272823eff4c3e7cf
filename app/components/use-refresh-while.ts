import { useRevalidator } from '@remix-run/react'
import { useEffect } from 'react'

/** Reloads the page data every few seconds while something the page shows is still in flight (a webhook after Checkout). */
export function useRefreshWhile(waiting: boolean, everyMs = 3000) {
	const revalidator = useRevalidator()
	useEffect(() => {
		if (!waiting) return
		const timer = setInterval(() => revalidator.state === 'idle' && revalidator.revalidate(), everyMs)
		return () => clearInterval(timer)
	}, [waiting, revalidator, everyMs])
}
