/**
 * The audio studio's parameters panel: what to make (speech, music or a sound effect) as chips, the text or the
 * description, the models that make it, and only what the chosen model takes — voices with a sample to listen
 * to, formats, speed and style instructions for speech; the length for music and effects — with the price by the
 * button. Without JavaScript a change of kind or model sends the form back by GET (the loader re-renders it,
 * keeping what was typed); with JavaScript the fields follow in place and the price follows the text.
 */
import { useNavigation } from '@remix-run/react'
import { useState } from 'react'
import type { FormEvent } from 'react'
import type { AudioMode, SoundModelView, SpeechModelView } from '#server/domain/generations/schema.ts'
import { formatUsd } from '#server/domain/usage/money.ts'
import { RadioGroupField, SelectField, TextField } from '../forms.tsx'
import {
	ChoiceChips,
	GenerateButton,
	ModelPicker,
	NoteField,
	PromptField,
	pick,
	SeedField,
	ShowSettingsButton,
	StudioForm,
} from '../studio-form.tsx'
import type { StudioFormBase } from '../studio-form.tsx'
import type { AudioFormValues } from './types.ts'

const LABELS = {
	mode: 'Make',
	prompt: 'Text',
	voice: 'Voice',
	format: 'Format',
	speed: 'Speed',
	instructions: 'Style instructions',
	durationSeconds: 'Length (seconds)',
}

const MODES: Array<{ value: AudioMode; label: string }> = [
	{ value: 'speech', label: 'Speech' },
	{ value: 'music', label: 'Music' },
	{ value: 'effects', label: 'Sound effect' },
]

export type AudioFormProps = {
	speechModels: SpeechModelView[]
	soundModels: SoundModelView[]
	defaults: { speech: string; music: string }
} & StudioFormBase<AudioFormValues>

export function voiceSampleUrl(modelId: string, voice: string): string {
	return `/audio/voices/${encodeURIComponent(modelId)}/${encodeURIComponent(voice)}`
}

export function AudioForm(props: AudioFormProps) {
	const { values } = props
	const busy = useNavigation().state === 'submitting'
	const [mode, setMode] = useState<AudioMode>(
		values.mode === 'music' || values.mode === 'effects' ? values.mode : 'speech',
	)
	const [modelId, setModelId] = useState(values.model ?? '')
	const [voice, setVoice] = useState(values.voice ?? '')
	const [text, setText] = useState(values.prompt ?? '')
	const [duration, setDuration] = useState(values.durationSeconds ?? '8')

	const sounds = props.soundModels.filter(m => m.modes.includes(mode === 'effects' ? 'effects' : 'music'))
	const speech = mode === 'speech'
	const speechModel =
		props.speechModels.find(m => m.id === modelId) ??
		props.speechModels.find(m => m.id === props.defaults.speech) ??
		props.speechModels[0]
	const soundModel = sounds.find(m => m.id === modelId) ?? sounds.find(m => m.id === props.defaults.music) ?? sounds[0]
	const model = speech ? speechModel : soundModel

	function onChange(event: FormEvent<HTMLFormElement>) {
		const target = event.target
		if (target instanceof HTMLInputElement && target.name === 'mode') {
			setMode(target.value as AudioMode)
			setModelId('')
		}
		if (target instanceof HTMLSelectElement && target.name === 'model') setModelId(target.value)
		if (target instanceof HTMLSelectElement && target.name === 'voice') setVoice(target.value)
		if (target instanceof HTMLTextAreaElement && target.name === 'prompt') setText(target.value)
		if (target instanceof HTMLInputElement && target.name === 'durationSeconds') setDuration(target.value)
	}

	const chosenVoice = speechModel ? pick(speechModel.voices, voice) : undefined
	const refreshLabel = 'Show the settings for this choice'
	return (
		<StudioForm action="/audio" labels={LABELS} studio={props} onChange={onChange}>
			<div className="space-y-2">
				<RadioGroupField name="mode" label={LABELS.mode} variant="chips" defaultValue={mode} options={MODES} />
			</div>
			<PromptField
				label={speech ? 'Text to speak' : mode === 'music' ? 'Describe the music' : 'Describe the sound'}
				rows={speech ? 6 : 3}
				maxLength={20000}
				defaultValue={values.prompt}
				placeholder={
					speech
						? 'Welcome to the studio. Long text is fine: it is read in parts and joined.'
						: mode === 'music'
							? 'A calm lo-fi beat with soft piano'
							: 'Rain on a tin roof, with distant thunder'
				}
				minHeight="min-h-24"
			/>
			{model ? (
				<ModelPicker<SpeechModelView | SoundModelView>
					listKey={mode}
					models={speech ? props.speechModels : sounds}
					model={model}
					description={model.description}
					refreshLabel={refreshLabel}
				/>
			) : (
				<>
					<p className="callout-danger">
						No model here can make {speech ? 'speech' : mode === 'music' ? 'music' : 'sound effects'}. An administrator
						can add one in Settings.
					</p>
					<ShowSettingsButton>{refreshLabel}</ShowSettingsButton>
				</>
			)}
			{speech && speechModel ? (
				<div key={speechModel.id} className="space-y-5" data-audio-model={speechModel.id}>
					<div className="space-y-2">
						<SelectField
							name="voice"
							label={LABELS.voice}
							value={chosenVoice ?? ''}
							onChange={() => {}}
							options={speechModel.voices.map(v => ({ value: v, label: v }))}
						/>
						{chosenVoice ? (
							<audio
								key={chosenVoice}
								controls
								preload="none"
								src={voiceSampleUrl(speechModel.id, chosenVoice)}
								aria-label={`A sample of the ${chosenVoice} voice`}
								className="h-9 w-full"
								data-voice-sample={chosenVoice}
							/>
						) : null}
					</div>
					{speechModel.formats.length > 1 ? (
						<ChoiceChips name="format" choices={speechModel.formats} value={values.format} />
					) : (
						<input type="hidden" name="format" value={speechModel.formats[0] ?? 'mp3'} />
					)}
					{speechModel.speed ? (
						<TextField
							name="speed"
							label={LABELS.speed}
							type="number"
							inputMode="decimal"
							step={0.05}
							min={speechModel.speed.min}
							max={speechModel.speed.max}
							defaultValue={values.speed ?? '1'}
							description={`From ${speechModel.speed.min} to ${speechModel.speed.max}; 1 is the voice’s own pace.`}
						/>
					) : null}
					{speechModel.instructions ? (
						<NoteField
							name="instructions"
							maxLength={1000}
							defaultValue={values.instructions}
							placeholder="Warm and unhurried, like a late-night radio host"
						/>
					) : null}
					<p className="text-sm text-fg-muted" data-audio-price="">
						{speechPrice(speechModel, text)}
					</p>
				</div>
			) : null}
			{!speech && soundModel ? (
				<div key={soundModel.id} className="space-y-5" data-audio-model={soundModel.id}>
					<TextField
						name="durationSeconds"
						label={LABELS.durationSeconds}
						type="number"
						inputMode="numeric"
						min={1}
						max={soundModel.maxSeconds}
						defaultValue={values.durationSeconds ?? '8'}
						description={`From 1 to ${soundModel.maxSeconds} seconds.`}
					/>
					<SeedField
						defaultValue={values.seed}
						description="The same seed and prompt make the same sound where the model allows."
					/>
					<p className="text-sm text-fg-muted" data-audio-price="">
						{soundPrice(soundModel, duration)}
					</p>
				</div>
			) : null}
			<GenerateButton busy={busy} disabled={!model}>
				{speech ? 'Speak' : mode === 'music' ? 'Make music' : 'Make the sound'}
			</GenerateButton>
		</StudioForm>
	)
}

/** The price before submitting: the rate, and the total for the text typed so far. */
function speechPrice(model: SpeechModelView, text: string): string {
	if (!model.perCharacterMicros) return 'Free'
	const chars = text.trim().length
	if (chars === 0) return model.price
	return `${formatUsd(Math.ceil(model.perCharacterMicros * chars))} for ${chars.toLocaleString('en')} characters (${model.price})`
}

function soundPrice(model: SoundModelView, duration: string): string {
	if (model.price === 'Free') return 'Free'
	const seconds = Number(duration)
	return Number.isFinite(seconds) && seconds > 0
		? `${model.price}, about ${Math.round(seconds)} seconds asked`
		: model.price
}
