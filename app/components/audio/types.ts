/** The audio form's fields, as strings (from a form, a query or a refused submit). */
export const AUDIO_FORM_FIELDS = [
	'mode',
	'prompt',
	'model',
	'voice',
	'format',
	'speed',
	'instructions',
	'durationSeconds',
	'seed',
] as const
export type AudioFormValues = Partial<Record<(typeof AUDIO_FORM_FIELDS)[number], string>>
