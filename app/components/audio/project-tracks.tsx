/**
 * The project page's tracks and clips as server-rendered forms: every edit works without JavaScript (each form
 * posts an `intent` to the page's action and comes back by redirect), with an `<audio>` player per clip.
 */
import { Form, Link } from '@remix-run/react'
import type { SerializeFrom } from '@remix-run/node'
import { formatDuration, WaveformPreview } from '#app/components/audio/waveform-preview.tsx'
import { SoundCreditLine } from '#app/components/audio/sound-credit.tsx'
import { HiddenFields, IntentButton, IntentForm } from '#app/components/forms.tsx'
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
						<IntentForm
							key={direction}
							intent="move-track"
							fields={{ redirectTo: '1', trackId: track.id, direction }}
							buttonClassName="btn-secondary px-2 py-1 text-xs"
							disabled={direction === 'up' ? index === 0 : index === count - 1}
						>
							Move {track.name} {direction}
						</IntentForm>
					))}
					<IntentForm
						intent="delete-track"
						fields={{ redirectTo: '1', trackId: track.id }}
						buttonClassName="btn-secondary px-2 py-1 text-xs"
					>
						Delete {track.name}
					</IntentForm>
				</div>
			</div>
			<Form method="post" className="flex flex-wrap items-end gap-3 text-sm">
				<HiddenFields fields={{ redirectTo: '1', trackId: track.id }} />
				<NumberBox name="gain" label="Track gain" value={track.gain} max="4" />
				{(
					[
						['mute', 'Mute', track.mute],
						['solo', 'Solo', track.solo],
					] as const
				).map(([name, label, checked]) => (
					<label key={name} className="flex items-center gap-1">
						<input type="checkbox" name={name} defaultChecked={checked} /> {label}
					</label>
				))}
				<IntentButton intent="track" className="btn-secondary px-3 py-1">
					Save track
				</IntentButton>
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
					<HiddenFields fields={{ redirectTo: '1', trackId: track.id }} />
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
					<IntentButton intent="add-clip" className="btn-secondary px-3 py-1">
						Add clip to {track.name}
					</IntentButton>
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
	const fields = { redirectTo: '1', trackId, clipId: clip.id }
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
				<HiddenFields fields={fields} />
				{(
					[
						['start', 'Start (s)', clip.start],
						['trimIn', 'Trim in (s)', clip.trimIn],
						['trimOut', 'Trim out (s)', clip.trimOut],
						['gain', 'Gain', clip.gain],
					] as const
				).map(([field, label, value]) => (
					<NumberBox key={field} name={field} label={label} value={value} />
				))}
				<IntentButton intent="clip" className="btn-secondary px-3 py-1">
					Save clip
				</IntentButton>
			</Form>
			<div className="flex flex-wrap gap-1">
				{(
					[
						['up', 'To the track above', !first],
						['down', 'To the track below', !last],
					] as const
				).map(([direction, label, shown]) =>
					shown ? (
						<IntentForm
							key={direction}
							intent="move-clip"
							fields={{ ...fields, direction }}
							buttonClassName="btn-secondary px-2 py-1 text-xs"
						>
							{label}
						</IntentForm>
					) : null,
				)}
				<IntentForm intent="delete-clip" fields={fields} buttonClassName="btn-secondary px-2 py-1 text-xs">
					Delete clip
				</IntentForm>
			</div>
		</li>
	)
}

/** A number box of the track and clip forms, with its label above it. */
function NumberBox({ name, label, value, max }: { name: string; label: string; value: number; max?: string }) {
	return (
		<label className="space-y-1">
			<span className="block text-fg-muted">{label}</span>
			<input name={name} type="number" step="any" min="0" max={max} defaultValue={value} className="field w-24" />
		</label>
	)
}
