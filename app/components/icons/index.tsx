/**
 * Icons: lucide's drawings in one SVG sprite (sprite.svg, made by scripts/build-icons.mjs from the names
 * below), drawn with `<use href>`. An icon costs a few bytes of markup and no JavaScript; the sprite is one
 * cached file for every page. Each export takes lucide's own props (`size`, `strokeWidth`, any SVG attribute),
 * so a component reads as it would with lucide-react. Decorative icons carry `aria-hidden`; an icon that is
 * the only content of a control gets its name from the control's `aria-label`.
 *
 * To add an icon: add `export const Name = icon('lucide-name')` here and run `node scripts/build-icons.mjs`
 * (a unit test fails while the sprite lags behind this list).
 */
import type { SVGProps } from 'react'
import spriteHref from './sprite.svg'

export { spriteHref }

export type IconProps = Omit<SVGProps<SVGSVGElement>, 'ref'> & { size?: number | string }
export type IconComponent = ((props: IconProps) => JSX.Element) & { iconName: string }

function icon(name: string): IconComponent {
	const Icon = ({ size = 24, strokeWidth = 2, className, ...rest }: IconProps) => (
		<svg
			width={size}
			height={size}
			fill="none"
			stroke="currentColor"
			strokeWidth={strokeWidth}
			strokeLinecap="round"
			strokeLinejoin="round"
			className={className ? `icon ${className}` : 'icon'}
			{...rest}
		>
			<use href={`${spriteHref}#${name}`} />
		</svg>
	)
	return Object.assign(Icon, { iconName: name, displayName: `Icon(${name})` })
}

export const ArrowLeft = icon('arrow-left')
export const ArrowRight = icon('arrow-right')
export const ArrowUp = icon('arrow-up')
export const AudioLines = icon('audio-lines')
export const Ban = icon('ban')
export const Boxes = icon('boxes')
export const ChartColumn = icon('chart-column')
export const Check = icon('check')
export const ChevronLeft = icon('chevron-left')
export const ChevronRight = icon('chevron-right')
export const CircleAlert = icon('circle-alert')
export const Clapperboard = icon('clapperboard')
export const Clock = icon('clock')
export const Copy = icon('copy')
export const Download = icon('download')
export const Ellipsis = icon('ellipsis')
export const FileText = icon('file-text')
export const ImageIcon = icon('image')
export const ImagePlus = icon('image-plus')
export const Library = icon('library')
export const LoaderCircle = icon('loader-circle')
export const LogIn = icon('log-in')
export const LogOut = icon('log-out')
export const Maximize2 = icon('maximize-2')
export const Menu = icon('menu')
export const MessageSquare = icon('message-square')
export const Monitor = icon('monitor')
export const Moon = icon('moon')
export const Paperclip = icon('paperclip')
export const Pencil = icon('pencil')
export const Pin = icon('pin')
export const PinOff = icon('pin-off')
export const RefreshCw = icon('refresh-cw')
export const RotateCcw = icon('rotate-ccw')
export const Search = icon('search')
export const Settings = icon('settings')
export const Settings2 = icon('settings-2')
export const Shuffle = icon('shuffle')
export const SlidersHorizontal = icon('sliders-horizontal')
export const Sparkles = icon('sparkles')
export const Square = icon('square')
export const SquarePen = icon('square-pen')
export const Sun = icon('sun')
export const Trash2 = icon('trash-2')
export const UserPlus = icon('user-plus')
export const Workflow = icon('workflow')
export const X = icon('x')
export const Brush = icon('brush')
export const Eraser = icon('eraser')
export const Undo2 = icon('undo-2')
export const Redo2 = icon('redo-2')
export const ZoomIn = icon('zoom-in')
export const ZoomOut = icon('zoom-out')
export const Hand = icon('hand')
export const TypeIcon = icon('type')
export const Circle = icon('circle')
export const Crop = icon('crop')
export const MousePointer2 = icon('mouse-pointer-2')
export const Eye = icon('eye')
export const EyeOff = icon('eye-off')
export const WandSparkles = icon('wand-sparkles')
export const Save = icon('save')
export const Star = icon('star')
export const Share2 = icon('share-2')
export const CopyPlus = icon('copy-plus')
export const Plus = icon('plus')
export const Play = icon('play')
export const ArrowDown = icon('arrow-down')
export const LayoutGrid = icon('layout-grid')
