/**
 * The definition the workflow graph edits, and its saves through the page's own action (`intent=definition`).
 * Saves go one at a time, each naming the version it was made from (`base`): the server refuses one made from a
 * version another tab has replaced. A change made while a save is on its way waits for it, then goes with the
 * version that save produced. The saved definition wins whenever the server has a newer one (a form saved, another
 * tab).
 */
import { useFetcher } from '@remix-run/react'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { WorkflowDefinition } from '#server/domain/workflows/schema.ts'
import { autoLayout } from './graph-layout.ts'

export function useGraphDefinition(saved: WorkflowDefinition, updatedAt: string) {
	const fetcher = useFetcher<{ form: string; message: string; updatedAt?: string }>()
	const [definition, setDefinition] = useState(saved)
	const base = useRef(updatedAt)
	const waiting = useRef<WorkflowDefinition | null>(null)
	useEffect(() => {
		base.current = updatedAt
		if (!waiting.current) setDefinition(saved)
	}, [saved, updatedAt])
	const send = useCallback(
		(next: WorkflowDefinition) =>
			fetcher.submit(
				{ intent: 'definition', definition: JSON.stringify(next), base: base.current },
				{ method: 'post', preventScrollReset: true },
			),
		[fetcher],
	)
	useEffect(() => {
		if (fetcher.state !== 'idle') return
		if (fetcher.data?.updatedAt) base.current = fetcher.data.updatedAt
		const next = waiting.current
		waiting.current = null
		if (next) send(next)
		// eslint-disable-next-line react-hooks/exhaustive-deps -- once each time a save has come back
	}, [fetcher.state])
	/** Where every node is drawn: its saved place, or the automatic layout's. */
	const layout = useMemo(() => {
		const auto = autoLayout(definition)
		return Object.fromEntries(
			definition.nodes.map(n => [n.id, definition.layout?.[n.id] ?? auto[n.id] ?? { x: 0, y: 0 }]),
		)
	}, [definition])
	const save = useCallback(
		(change: WorkflowDefinition) => {
			// Every node keeps the place it is drawn at now, so a new connection does not move anything.
			const next = { ...change, layout: { ...layout, ...change.layout } }
			setDefinition(next)
			if (fetcher.state === 'idle') send(next)
			else waiting.current = next
		},
		[fetcher.state, send, layout],
	)
	const status = {
		saving: fetcher.state !== 'idle',
		/** Why the last save was refused, once no other is on its way. */
		refused: fetcher.state === 'idle' ? fetcher.data?.message : undefined,
	}
	return { definition, setDefinition, layout, save, status }
}
