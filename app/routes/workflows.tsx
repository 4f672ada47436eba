import type { LoaderFunctionArgs } from '@remix-run/node'
import { AreaPlaceholder } from '#app/components/area-placeholder.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

// A loader, so client-side navigation asks the server too and a signed-out visitor is sent to sign in.
export async function loader({ request, context }: LoaderFunctionArgs) {
	await requireUser(request, context)
	return null
}

export default function Workflows() {
	return <AreaPlaceholder to="/workflows" />
}

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
