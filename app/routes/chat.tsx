import { AreaPlaceholder } from '#app/components/area-placeholder.tsx'

export default function Chat() {
	return <AreaPlaceholder to="/chat" />
}
