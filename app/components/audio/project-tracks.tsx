/**
 * The project page's tracks and clips as server-rendered forms: every edit works without JavaScript (each form
 * posts an `intent` to the page's action and comes back by redirect), with an `<audio>` player per clip.
 */
import { Form, Link } from '@remix-run/react'
import type { SerializeFrom } from '@remix-run/node'
import { formatDuration, WaveformPreview } from '#app/components/audio/waveform-preview.tsx'
import { SoundCreditLine } from '#app/components/audio/sound-credit.tsx'
import { clipLength, soundKey } from '#server/domain/audio/project-schema.ts'
import type { Clip, Track } from '#server/domain/audio/project-schema.ts'
import type { LibrarySound, SoundView } from '#server/domain/audio/projects.ts'

type Sound = SerializeFrom<SoundView>

export function TrackCard({
	track,
	index,
	count,
	sounds,
	library,
	heard,
}: {
	track: Track
	index: number
	count: number
	sounds: Record<string, Sound>
	library: SerializeFrom<LibrarySound>[]
	heard: boolean
}) {
	const prefix = `track-${track.id.slice(0, 8)}`
	return (
		<article
			className="space-y-3 rounded-xl border border-line bg-surface p-3"
			data-track-id={track.id}
			aria-labelledby={`${prefix}-name`}
		>
			<div className="flex flex-wrap items-center justify-between gap-2">
				<h3 id={`${prefix}-name`} className="font-medium text-fg">
					{track.name}
					{heard ? null : <span className="ml-2 text-xs text-fg-muted">(not heard)</span>}
				</h3>
				<div className="flex flex-wrap gap-1">
					{(['up', 'down'] as const).map(direction => (
						<Form method="post" key={direction}>
							<input type="hidden" name="redirectTo" value="1" />
							<input type="hidden" name="trackId" value={track.id} />
							<input type="hidden" name="direction" value={direction} />
							<button
								type="submit"
								name="intent"
								value="move-track"
								className="btn-secondary px-2 py-1 text-xs"
								disabled={direction === 'up' ? index === 0 : index === count - 1}
							>
								Move {track.name} {direction}
							</button>
						</Form>
					))}
					<Form method="post">
						<input type="hidden" name="redirectTo" value="1" />
						<input type="hidden" name="trackId" value={track.id} />
						<button type="submit" name="intent" value="delete-track" className="btn-secondary px-2 py-1 text-xs">
							Delete {track.name}
						</button>
					</Form>
				</div>
			</div>
			<Form method="post" className="flex flex-wrap items-end gap-3 text-sm">
				<input type="hidden" name="redirectTo" value="1" />
				<input type="hidden" name="trackId" value={track.id} />
				<label className="space-y-1">
					<span className="block text-fg-muted">Track gain</span>
					<input
						name="gain"
						type="number"
						step="any"
						min="0"
						max="4"
						defaultValue={track.gain}
						className="field w-24"
					/>
				</label>
				<label className="flex items-center gap-1">
					<input type="checkbox" name="mute" defaultChecked={track.mute} /> Mute
				</label>
				<label className="flex items-center gap-1">
					<input type="checkbox" name="solo" defaultChecked={track.solo} /> Solo
				</label>
				<button type="submit" name="intent" value="track" className="btn-secondary px-3 py-1">
					Save track
				</button>
			</Form>
			<ul className="space-y-2">
				{track.clips.map(clip => (
					<ClipRow
						key={clip.id}
						clip={clip}
						trackId={track.id}
						sound={sounds[soundKey(clip.generationId, clip.output)]}
						first={index === 0}
						last={index === count - 1}
					/>
				))}
			</ul>
			{library.length > 0 ? (
				<Form method="post" className="flex flex-wrap items-end gap-3 text-sm">
					<input type="hidden" name="redirectTo" value="1" />
					<input type="hidden" name="trackId" value={track.id} />
					<label className="min-w-0 flex-1 basis-full space-y-1 sm:basis-auto">
						<span className="block text-fg-muted">Sound from your library</span>
						<select name="source" className="field w-full" required>
							{library.map(s => (
								<option key={soundKey(s.generationId, s.output)} value={soundKey(s.generationId, s.output)}>
									{s.prompt.slice(0, 60)}
									{s.duration !== null ? ` (${formatDuration(s.duration)})` : ''}
									{s.credit ? ` — Freesound, ${s.credit.licenceName}` : ''}
								</option>
							))}
						</select>
					</label>
					<label className="space-y-1">
						<span className="block text-fg-muted">Start (s)</span>
						<input name="start" type="number" step="any" min="0" defaultValue="0" className="field w-24" />
					</label>
					<button type="submit" name="intent" value="add-clip" className="btn-secondary px-3 py-1">
						Add clip to {track.name}
					</button>
				</Form>
			) : (
				<p className="text-sm text-fg-muted">
					Your library has no audio yet: make some in the <Link to="/audio">audio studio</Link>.
				</p>
			)}
		</article>
	)
}

function ClipRow({
	clip,
	trackId,
	sound,
	first,
	last,
}: {
	clip: Clip
	trackId: string
	sound: Sound | undefined
	first: boolean
	last: boolean
}) {
	const name = sound?.prompt.slice(0, 60) ?? 'Missing sound'
	const hidden = (
		<>
			<input type="hidden" name="redirectTo" value="1" />
			<input type="hidden" name="trackId" value={trackId} />
			<input type="hidden" name="clipId" value={clip.id} />
		</>
	)
	return (
		<li
			className="space-y-2 rounded-lg border border-line bg-raised/40 p-2"
			data-clip-id={clip.id}
			data-clip-start={clip.start}
		>
			<div className="flex flex-wrap items-center gap-2 text-sm">
				<span className="font-medium text-fg">{name}</span>
				<span className="text-xs text-fg-muted">
					at {clip.start.toFixed(2)} s, plays {clipLength(clip).toFixed(2)} s
				</span>
				{sound?.preview ? <WaveformPreview peaks={sound.preview} className="w-32" /> : null}
			</div>
			{sound?.credit ? <SoundCreditLine credit={sound.credit} /> : null}
			{sound ? (
				<audio
					src={`${sound.url}#t=${clip.trimIn},${clip.trimOut}`}
					controls
					preload="none"
					aria-label={`Clip: ${name}`}
					className="w-full max-w-md"
				/>
			) : null}
			<Form method="post" className="flex flex-wrap items-end gap-2 text-sm">
				{hidden}
				{(
					[
						['start', 'Start (s)', clip.start],
						['trimIn', 'Trim in (s)', clip.trimIn],
						['trimOut', 'Trim out (s)', clip.trimOut],
						['gain', 'Gain', clip.gain],
					] as const
				).map(([field, label, value]) => (
					<label key={field} className="space-y-1">
						<span className="block text-fg-muted">{label}</span>
						<input name={field} type="number" step="any" min="0" defaultValue={value} className="field w-24" />
					</label>
				))}
				<button type="submit" name="intent" value="clip" className="btn-secondary px-3 py-1">
					Save clip
				</button>
			</Form>
			<div className="flex flex-wrap gap-1">
				{(
					[
						['up', 'To the track above', !first],
						['down', 'To the track below', !last],
					] as const
				).map(([direction, label, shown]) =>
					shown ? (
						<Form key={direction} method="post">
							{hidden}
							<input type="hidden" name="direction" value={direction} />
							<button type="submit" name="intent" value="move-clip" className="btn-secondary px-2 py-1 text-xs">
								{label}
							</button>
						</Form>
					) : null,
				)}
				<Form method="post">
					{hidden}
					<button type="submit" name="intent" value="delete-clip" className="btn-secondary px-2 py-1 text-xs">
						Delete clip
					</button>
				</Form>
			</div>
		</li>
	)
}
