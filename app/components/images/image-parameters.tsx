/** The Parameters panel of an image's page: model, seed, size and the rest as asked for, then pixels, cost and time. */
import type { ReactNode } from 'react'
import { TitledSection } from '#app/components/titled-section.tsx'
import { IMAGE_SIZE_LABELS } from '#server/domain/generations/schema.ts'
import { formatUsd } from '#server/domain/usage/money.ts'
import { shortTime } from '../generation-output.tsx'
import type { ImageDetailProps } from './types.ts'

function took(g: ImageDetailProps['generation']): string | null {
	if (!g.startedAt || !g.completedAt) return null
	const ms = new Date(g.completedAt).getTime() - new Date(g.startedAt).getTime()
	return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}

export function param(params: Record<string, unknown>, name: string): string | null {
	const value = params[name]
	return typeof value === 'string' || typeof value === 'number' ? String(value) : null
}

export function Parameters({ generation: g, models }: ImageDetailProps) {
	const modelName = models.find(m => m.id === g.model)?.name ?? g.model
	const size = param(g.params, 'size')
	const seed = param(g.params, 'seed')
	const strength = param(g.params, 'strength')
	const rows: Array<[string, ReactNode]> = [
		[
			'Model',
			<span key="m" title={g.model}>
				{modelName}
			</span>,
		],
	]
	if (g.params.operation === 'upscale') {
		rows.push(['Scale', `${param(g.params, 'scale') ?? 2}×`])
	} else {
		rows.push(['Seed', seed ?? <span className="text-fg-muted">not taken by this model</span>])
		if (size)
			rows.push([
				'Size',
				`${IMAGE_SIZE_LABELS[size as keyof typeof IMAGE_SIZE_LABELS] ?? ''} · ${size.replace('x', ' × ')}`,
			])
		rows.push(['Images', param(g.params, 'n') ?? '1'])
		if (param(g.params, 'quality')) rows.push(['Quality', param(g.params, 'quality')])
		if (param(g.params, 'style')) rows.push(['Style', param(g.params, 'style')])
		if (strength) rows.push(['Strength', `${Math.round(Number(strength) * 100)}%`])
		// An inpaint names its mask (stored with the edit, in the owner's folder): what was sent reached the server.
		if (g.params.operation === 'edit' && param(g.params, 'maskKey')) rows.push(['Mask', 'White repainted, black kept'])
	}
	const output = g.outputs[0]
	if (output?.width && output.height) rows.push(['Pixels', `${output.width} × ${output.height}`])
	rows.push(['Cost', g.costMicros > 0 ? formatUsd(g.costMicros) : 'Free'])
	const time = took(g)
	if (time) rows.push(['Time taken', time])
	rows.push([
		'Created',
		<time key="t" dateTime={new Date(g.createdAt).toISOString()}>
			{shortTime(g.createdAt)}
		</time>,
	])
	return (
		<TitledSection id="parameters-title" title="Parameters" headingClassName="text-sm font-semibold">
			<dl className="mt-2 grid grid-cols-[7rem_minmax(0,1fr)] gap-x-3 gap-y-1.5 rounded-lg border border-line bg-surface p-3 text-sm">
				{rows.map(([label, value]) => (
					<div key={label} className="contents" data-parameter={label}>
						<dt className="text-fg-muted">{label}</dt>
						<dd className="min-w-0 break-words tabular-nums">{value}</dd>
					</div>
				))}
			</dl>
		</TitledSection>
	)
}
