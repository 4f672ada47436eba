// Every unknown address lands here, so the 404 page renders inside the layout (with the request id).
import { notFound } from '#app/utils/http.server.ts'

export async function loader() {
	throw notFound()
}

export default function NotFound() {
	return null
}
