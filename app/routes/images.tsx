import { AreaPlaceholder } from '#app/components/area-placeholder.tsx'

export default function Images() {
	return <AreaPlaceholder to="/images" />
}
