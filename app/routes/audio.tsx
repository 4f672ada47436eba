import { AreaPlaceholder } from '#app/components/area-placeholder.tsx'

export default function Audio() {
	return <AreaPlaceholder to="/audio" />
}
