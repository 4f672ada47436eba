import { AreaPlaceholder } from '#app/components/area-placeholder.tsx'

export default function Library() {
	return <AreaPlaceholder to="/library" />
}
