/**
 * The video studio's rules on top of the generation pipeline: a request fitted to what its model takes (a
 * length, aspect ratio or resolution it cannot make is refused on its field, a blank one becomes the model's
 * default, a seed it does not take is dropped), and image to video from one of the user's images (the same
 * source checks and reads as image to image, in ./images.ts).
 */
import { PLAIN_VIDEO_OPTIONS, type ModelInfo, type Prices } from '#server/providers/catalogue.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import type { Refusal } from '../refusal.ts'
import { formatUsd } from '../usage/money.ts'
import { list, offeredModels, refuseField, refuseSource, requestStart } from './images.ts'
import type { VideoGenerationRequest, VideoModelView } from './schema.ts'

/** The request as the model will get it; every field present, so the stored row says what was made. */
export function fitVideoRequest(model: ModelInfo, request: VideoGenerationRequest): VideoGenerationRequest | Refusal {
	const options = model.video ?? PLAIN_VIDEO_OPTIONS
	const durationSeconds = request.durationSeconds ?? options.durations[0] ?? 5
	if (!options.durations.includes(durationSeconds)) {
		return refuseField(
			'durationSeconds',
			`${model.displayName} makes clips of ${list(options.durations.map(d => `${d} s`))}.`,
		)
	}
	const aspect = request.aspect ?? options.aspects[0] ?? '16:9'
	if (!options.aspects.includes(aspect)) {
		return refuseField('aspect', `${model.displayName} makes the aspect ratios ${list(options.aspects)}.`)
	}
	const resolution = request.resolution ?? options.resolutions[0] ?? '720p'
	if (!options.resolutions.includes(resolution)) {
		return refuseField('resolution', `${model.displayName} makes ${list(options.resolutions)}.`)
	}
	const sourceRefused = refuseSource(model, options.inputImage, request)
	if (sourceRefused) return sourceRefused
	const fitted: VideoGenerationRequest = {
		...requestStart('video', request, model),
		durationSeconds,
		aspect,
		resolution,
	}
	if (request.seed !== undefined) fitted.seed = request.seed
	if (request.sourceId) {
		fitted.sourceId = request.sourceId
		fitted.sourceIndex = request.sourceIndex ?? 0
	}
	return fitted
}

/** A video model's price in words: per second of video, or free. */
export function videoPriceLabel(prices: Prices): string {
	return prices.second ? `${formatUsd(prices.second)} / second of video` : 'Free'
}

/** The models the video form offers (available here, able to make video), with what each takes. */
export function videoModels(providers: Pick<ProviderRegistry, 'list'>): VideoModelView[] {
	return offeredModels(providers, 'video', videoPriceLabel, m => {
		const o = m.video ?? PLAIN_VIDEO_OPTIONS
		return {
			durations: [...o.durations],
			aspects: [...o.aspects],
			resolutions: [...o.resolutions],
			inputImage: o.inputImage,
		}
	})
}
