import { AreaPlaceholder } from '#app/components/area-placeholder.tsx'

export default function Settings() {
	return <AreaPlaceholder to="/settings" />
}
