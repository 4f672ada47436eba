import { AreaPlaceholder } from '#app/components/area-placeholder.tsx'

export default function Analytics() {
	return <AreaPlaceholder to="/analytics" />
}
