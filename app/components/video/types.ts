/** The video form's fields, as strings (from a form, a query or a refused submit). */
export const VIDEO_FORM_FIELDS = [
	'prompt',
	'model',
	'durationSeconds',
	'aspect',
	'resolution',
	'seed',
	'sourceId',
	'sourceIndex',
] as const
export type VideoFormValues = Partial<Record<(typeof VIDEO_FORM_FIELDS)[number], string>>
