import { AreaPlaceholder } from '#app/components/area-placeholder.tsx'

export default function Video() {
	return <AreaPlaceholder to="/video" />
}
