import { Link } from '@remix-run/react'
import type { GenerationOutput } from '#server/domain/generations/index.ts'

type Viewable = Pick<GenerationOutput, 'kind' | 'contentType'> & { url: string }

/** A generated file as the browser shows it natively: no player library, works without JavaScript. */
export function GenerationOutputView({ output, label }: { output: Viewable; label: string }) {
	if (output.kind === 'image') {
		return (
			<img
				src={output.url}
				alt={label}
				className="h-auto w-full rounded-md border border-zinc-800 bg-zinc-900"
				loading="lazy"
			/>
		)
	}
	if (output.kind === 'video') {
		return (
			<video
				src={output.url}
				controls
				playsInline
				preload="metadata"
				className="w-full rounded-md border border-zinc-800 bg-black"
			>
				<a href={output.url}>Download the video</a>
			</video>
		)
	}
	if (output.kind === 'audio') {
		return (
			<audio src={output.url} controls preload="metadata" className="w-full">
				<a href={output.url}>Download the audio</a>
			</audio>
		)
	}
	return (
		<a href={output.url} className="btn-secondary">
			Download ({output.contentType})
		</a>
	)
}

type Tile = { id: string; prompt: string; status: string; outputs: Viewable[] }

/** One generation in a grid (studios' recent work, the library): its first output, or its status, and a link to it. */
export function GenerationTile({ generation }: { generation: Tile }) {
	const first = generation.outputs[0]
	return (
		<li className="card p-2" data-generation-status={generation.status}>
			{first ? (
				<GenerationOutputView output={first} label={generation.prompt} />
			) : (
				<span className="flex aspect-square items-center justify-center rounded-md bg-zinc-900 text-sm text-zinc-400">
					{generation.status}
				</span>
			)}
			<Link to={`/generations/${generation.id}`} className="mt-2 line-clamp-2 block text-xs">
				{generation.prompt}
			</Link>
		</li>
	)
}
