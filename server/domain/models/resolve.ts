/**
 * The one answer to "may this request use that model?", for chat and the studios alike: the model exists,
 * can do what is asked, and is available here — its provider is configured, after a sync it still offers it,
 * and an administrator has not switched it off (the registry's `available`, which every model list reads too). The refusals name the form's `model` field.
 */
import type { ModelInfo } from '#server/providers/catalogue.ts'
import { CAPABILITY_WORDS, type ProviderRegistry } from '#server/providers/registry.ts'
import type { Capability } from '#server/providers/types.ts'
import { providerRefusal } from '../provider-failures.ts'
import { refuse, type Refusal } from '../refusal.ts'

/** The catalogue model for an id (or the default for the capability), if it can do that here and now. */
export function resolveModel(
	providers: ProviderRegistry,
	modelId: string | null | undefined,
	capability: Capability,
): ModelInfo | Refusal {
	let model: ModelInfo | undefined
	try {
		model = modelId ? providers.model(modelId) : providers.defaultModel(capability)
	} catch (error) {
		return providerRefusal(error)
	}
	const field = { fields: { model: ['Pick a model from the list.'] } }
	if (!model) return refuse(400, 'invalid_model', `There is no model called ${modelId}. Pick another one.`, field)
	if (!model.capabilities.includes(capability)) {
		const what = CAPABILITY_WORDS[capability]
		return refuse(400, 'invalid_model', `${model.displayName} cannot ${what}; pick another model.`, field)
	}
	const id = model.id
	const entry = providers.list().find(m => m.id === id)
	if (entry && !entry.enabled) {
		return refuse(
			400,
			'model_disabled',
			`${model.displayName} has been switched off by an administrator; pick another model.`,
			field,
		)
	}
	if (!(entry?.available ?? false)) {
		return refuse(
			400,
			'model_unavailable',
			`${model.displayName} is not available on this server; pick another model.`,
			field,
		)
	}
	return model
}
