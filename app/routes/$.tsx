// Every unknown address lands here, so the 404 page renders inside the layout (with the request id).
export async function loader() {
	throw new Response('Not found', { status: 404 })
}

export default function NotFound() {
	return null
}
