import * as v from 'valibot'

/** The buttons on a generation's page, told apart by `intent`. */
export const GenerationActionSchema = v.object({
	intent: v.picklist(['cancel', 'retry', 'delete'], 'Unknown action.'),
})
