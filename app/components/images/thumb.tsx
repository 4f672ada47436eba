import type { ImageView } from './types.ts'

/**
 * An image output as a thumbnail: the stored WebP copies as `srcset` (the browser picks the width for the slot
 * and the screen), the small copy's width and height so nothing shifts while it loads, lazy unless it is on the
 * first screen. An output without copies (stored before they existed) falls back to the original.
 */
export function Thumb({
	output,
	alt,
	sizes,
	eager = false,
	className = '',
}: {
	output: ImageView
	alt: string
	/** The `sizes` attribute: how wide the slot is at each viewport. */
	sizes: string
	eager?: boolean
	className?: string
}) {
	const thumbnails = output.thumbnails ?? []
	const small = thumbnails[0]
	const width = small?.width ?? output.width
	const height = small?.height ?? output.height
	return (
		<img
			src={small?.url ?? output.url}
			srcSet={thumbnails.length > 0 ? thumbnails.map(t => `${t.url} ${t.width}w`).join(', ') : undefined}
			sizes={thumbnails.length > 0 ? sizes : undefined}
			width={width}
			height={height}
			alt={alt}
			loading={eager ? 'eager' : 'lazy'}
			decoding="async"
			className={className || undefined}
		/>
	)
}

/** Width over height of an output, 1 when unknown. */
export function aspectOf(output: Pick<ImageView, 'width' | 'height'> | undefined, fallback = 1): number {
	return output?.width && output.height ? output.width / output.height : fallback
}
