/** A model's price in a few words, for the editor's model select (browser-safe). */
import type { Prices } from '#server/providers/catalogue.ts'
import { formatUsd } from '../usage/money.ts'

export function modelPrice(prices: Prices): string {
	const parts: string[] = []
	if (prices.inputToken || prices.outputToken)
		parts.push(
			`${formatUsd((prices.inputToken ?? 0) * 1_000_000)} in / ${formatUsd((prices.outputToken ?? 0) * 1_000_000)} out per 1M tokens`,
		)
	if (prices.image) parts.push(`${formatUsd(prices.image)} / image`)
	if (prices.second) parts.push(`${formatUsd(prices.second)} / second`)
	if (prices.character) parts.push(`${formatUsd(prices.character * 1_000_000)} / 1M characters`)
	return parts.length > 0 ? parts.join(', ') : 'Free'
}
