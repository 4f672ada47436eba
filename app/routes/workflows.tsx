import { AreaPlaceholder } from '#app/components/area-placeholder.tsx'

export default function Workflows() {
	return <AreaPlaceholder to="/workflows" />
}
