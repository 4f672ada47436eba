/** US dollars from micro-units (1 USD = 1,000,000), with more digits for sub-cent amounts. Shared by pages and server messages. */
export function formatUsd(micros: number): string {
	const dollars = micros / 1_000_000
	return dollars > 0 && dollars < 0.01 ? `$${dollars.toFixed(4)}` : `$${dollars.toFixed(2)}`
}
