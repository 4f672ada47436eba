/**
 * The licence and attribution of a sound imported from Freesound, shown wherever the sound appears (the studio's
 * rows, its own page, a project's clips): the attribution its licence asks for, linking the sound's page, the
 * author and the licence.
 */
import type { SoundCredit } from '#server/domain/sounds/schema.ts'

export function SoundCreditLine({ credit, className = '' }: { credit: SoundCredit; className?: string }) {
	return (
		<p className={`text-xs text-fg-muted ${className}`} data-sound-credit={credit.source}>
			<a href={credit.url} rel="noopener noreferrer nofollow" target="_blank">
				“{credit.title}”
			</a>{' '}
			by {credit.author} (freesound.org), licence{' '}
			<a href={credit.licence} rel="noopener noreferrer nofollow license" target="_blank" data-licence>
				{credit.licenceName}
			</a>
		</p>
	)
}
