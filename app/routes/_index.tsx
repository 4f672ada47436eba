import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import type { ReactNode } from 'react'
import { Link, useLoaderData } from '@remix-run/react'
import { ArrowRight, MessageSquare } from '#app/components/icons/index.tsx'
import { ACCOUNT_AREAS, AREAS } from '#app/components/areas.ts'
import { CARD_GRID, GenerationCard } from '#app/components/generation-output.tsx'
import { getUser } from '#app/utils/auth.server.ts'
import { formatUsd } from '#server/domain/usage/money.ts'

/**
 * Visitors get what the product is and a way in; a signed-in person gets their recent work across the areas,
 * this month's spend against the budget, and the areas that exist. (Signed-out `GET /` is micro-cached:
 * docs/decisions/007; a session cookie bypasses that cache.)
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await getUser(request, context)
	if (!user) return { home: null }
	const { chat, generations, usage } = context.services
	const [chats, recent, spend] = await Promise.all([
		chat.list(user, { query: '', cursor: null }),
		generations.list(user, { limit: 8 }),
		usage.summary(user),
	])
	const items = await Promise.all(recent.map(async g => ({ ...g, outputs: await generations.withUrls(g) })))
	return {
		home: {
			name: user.name,
			chats: chats.items.slice(0, 5).map(c => ({ id: c.id, title: c.title, updatedAt: c.updatedAt })),
			generations: items,
			spend: { monthCostMicros: spend.monthCostMicros, budgetMicros: spend.budgetMicros },
		},
	}
}

export default function Landing() {
	const { home } = useLoaderData<typeof loader>()
	return home ? <Home home={home} /> : <Welcome />
}

function Welcome() {
	return (
		<div className="space-y-12">
			<section className="max-w-3xl py-6 sm:py-12">
				<h1 className="text-3xl font-semibold tracking-tight sm:text-5xl">Generation Studio</h1>
				<p className="mt-4 text-lg text-fg-soft">
					Chat, images, video and audio in one self-hosted studio. It runs on your own machine with nothing to
					configure, and works on any device — with or without JavaScript.
				</p>
				<div className="mt-8 flex flex-wrap gap-3">
					<Link to="/signup" className="btn px-5 py-2.5 text-base">
						Create an account
						<ArrowRight aria-hidden="true" size={18} />
					</Link>
					<Link to="/login" className="btn-secondary px-5 py-2.5 text-base">
						Sign in
					</Link>
				</div>
			</section>
			<AreaCards />
		</div>
	)
}

/** A list on the home page: its heading, a link to where the rest is, then the list (or what to do first). */
function HomeSection({
	id,
	title,
	link,
	children,
}: {
	id: string
	title: string
	link: { to: string; label: string }
	children: ReactNode
}) {
	return (
		<section aria-labelledby={id} className="space-y-3">
			<div className="flex items-baseline justify-between gap-3">
				<h2 id={id} className="text-lg font-semibold">
					{title}
				</h2>
				<Link to={link.to} className="text-sm">
					{link.label}
				</Link>
			</div>
			{children}
		</section>
	)
}

type HomeData = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>['home']>

function Home({ home }: { home: HomeData }) {
	const { monthCostMicros, budgetMicros } = home.spend
	const share = budgetMicros > 0 ? Math.min(100, (monthCostMicros / budgetMicros) * 100) : 100
	return (
		<div className="space-y-10">
			<div className="flex flex-wrap items-end justify-between gap-4">
				<div>
					<h1 className="text-2xl font-semibold tracking-tight">Welcome back{home.name ? `, ${home.name}` : ''}</h1>
					<p className="mt-1 text-sm text-fg-muted">Pick up where you left off, or start something new.</p>
				</div>
				<Link to="/analytics" className="card block w-full max-w-xs py-3 text-fg no-underline hover:no-underline">
					<span className="text-xs text-fg-muted">This month</span>
					<span className="mt-0.5 block text-sm">
						<strong className="text-lg">{formatUsd(monthCostMicros)}</strong> of {formatUsd(budgetMicros)} budget
					</span>
					<meter
						className="mt-2 block h-2 w-full"
						min={0}
						max={100}
						low={70}
						high={90}
						optimum={0}
						value={share}
						aria-label="Share of the monthly budget used"
					>
						{share.toFixed(0)}%
					</meter>
				</Link>
			</div>

			<HomeSection id="recent-chats" title="Recent chats" link={{ to: '/chat', label: 'New chat' }}>
				{home.chats.length === 0 ? (
					<p className="text-sm text-fg-muted">
						No chats yet. <Link to="/chat">Start one</Link> — for example, ask for a haiku about lighthouses.
					</p>
				) : (
					<ul className="grid gap-2 sm:grid-cols-2 lg:grid-cols-3">
						{home.chats.map(c => (
							<li key={c.id}>
								<Link
									to={`/chat/${c.id}#latest`}
									className="flex items-center gap-3 rounded-xl border border-line bg-surface px-4 py-3 text-sm text-fg no-underline hover:border-accent hover:no-underline"
								>
									<MessageSquare aria-hidden="true" size={16} className="shrink-0 text-fg-muted" />
									<span className="truncate">{c.title}</span>
								</Link>
							</li>
						))}
					</ul>
				)}
			</HomeSection>

			<HomeSection id="recent-work" title="Recent images, video and audio" link={{ to: '/library', label: 'Library' }}>
				{home.generations.length === 0 ? (
					<p className="text-sm text-fg-muted">
						Nothing generated yet. Try <Link to="/images">Images</Link>, <Link to="/video">Video</Link> or{' '}
						<Link to="/audio">Audio</Link>.
					</p>
				) : (
					<ul className={CARD_GRID}>
						{home.generations.map(g => (
							<GenerationCard key={g.id} generation={g} />
						))}
					</ul>
				)}
			</HomeSection>

			<AreaCards />
		</div>
	)
}

/** The areas that exist today, each card linking to it. */
function AreaCards() {
	return (
		<section aria-labelledby="areas-heading" className="space-y-3">
			<h2 id="areas-heading" className="text-lg font-semibold">
				Areas
			</h2>
			<ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
				{[...AREAS, ...ACCOUNT_AREAS]
					.filter(area => area.ready)
					.map(area => (
						<li key={area.to}>
							<Link
								to={area.to}
								className="card flex h-full gap-3 text-fg no-underline hover:border-accent hover:no-underline"
							>
								<span className="flex h-9 w-9 shrink-0 items-center justify-center rounded-lg bg-accent-soft text-link">
									<area.icon aria-hidden="true" size={18} />
								</span>
								<span>
									<span className="font-semibold">{area.label}</span>
									<span className="mt-0.5 block text-sm text-fg-muted">{area.blurb}</span>
								</span>
							</Link>
						</li>
					))}
			</ul>
		</section>
	)
}

export const meta: MetaFunction = () => [
	{ title: 'Generation Studio' },
	{ name: 'description', content: 'A self-hosted studio for AI chat, images, video and audio.' },
]
