/**
 * Which node the editor's side panel shows: the one named in the URL's `#node-…` (where a saved form comes back
 * to), else the one whose form was just refused, else the first. The graph changes it by clicking a node.
 */
import { useLocation } from '@remix-run/react'
import { useEffect, useState } from 'react'
import type { WorkflowDefinition } from '#server/domain/workflows/schema.ts'
import type { NodeRefusal } from './node-card.tsx'

export function useSelectedNode(
	definition: WorkflowDefinition,
	updatedAt: string,
	refusal: NodeRefusal | null,
): [string | null, (id: string) => void] {
	const location = useLocation()
	const hashNode = location.hash.startsWith('#node-') ? location.hash.slice(6) : null
	const [selected, setSelected] = useState<string | null>(hashNode ?? definition.nodes[0]?.id ?? null)
	useEffect(() => {
		if (hashNode) setSelected(hashNode)
	}, [hashNode, updatedAt])
	useEffect(() => {
		if (refusal) setSelected(refusal.nodeId)
	}, [refusal])
	const present = selected !== null && definition.nodes.some(n => n.id === selected)
	return [present ? selected : (definition.nodes[0]?.id ?? null), setSelected]
}
