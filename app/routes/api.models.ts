import type { LoaderFunctionArgs } from '@remix-run/node'

// Public: visitors may see what the studio offers and what it costs; limited per address.
export const handle = { rateLimit: { loader: 'catalogue' } }

/** `GET /api/models`: the catalogue — each model's capabilities, prices (USD micro-units per unit) and availability here. */
export async function loader({ context }: LoaderFunctionArgs) {
	// A model an administrator switched off is not offered at all (it is refused if asked for anyway).
	const models = context.services.providers
		.list()
		.filter(m => m.enabled)
		.map(m => ({
			id: m.id,
			provider: m.provider,
			name: m.displayName,
			description: m.description,
			capabilities: m.capabilities,
			prices: m.prices,
			available: m.available,
		}))
	return Response.json({ models }, { headers: { 'Cache-Control': 'public, max-age=60' } })
}
