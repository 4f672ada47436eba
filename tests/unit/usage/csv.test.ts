import { describe, expect, test } from 'vitest'
import { csvField, microsToUsd, usageCsv } from '#server/domain/usage/csv.ts'
import { emptyTotals } from '#server/domain/usage/analytics.ts'
import { resolveRange } from '#server/domain/usage/schema.ts'

describe('the analytics CSV', () => {
	test('quotes commas, quotes and line breaks, and defuses formulas', () => {
		expect(csvField('openai:gpt-4o')).toBe('openai:gpt-4o')
		expect(csvField('a,b')).toBe('"a,b"')
		expect(csvField('say "hi"')).toBe('"say ""hi"""')
		expect(csvField('two\nlines')).toBe('"two\nlines"')
		expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`)
		expect(csvField('-1+2')).toBe("'-1+2")
		expect(csvField('@sum')).toBe("'@sum")
		expect(csvField(12.5)).toBe('12.5')
	})

	test('writes dollars exactly from micro-units', () => {
		expect(microsToUsd(0)).toBe('0.000000')
		expect(microsToUsd(1)).toBe('0.000001')
		expect(microsToUsd(1_234_567)).toBe('1.234567')
		expect(microsToUsd(40_000_000)).toBe('40.000000')
	})

	test('one CRLF line per group under a header', () => {
		const csv = usageCsv([
			{
				...emptyTotals(),
				day: '2026-03-01',
				model: 'my,model',
				capability: 'chat',
				calls: 2,
				costMicros: 1500,
				inputTokens: 10,
				outputTokens: 20,
			},
			{
				...emptyTotals(),
				day: '2026-03-02',
				model: 'offline:image',
				capability: 'image',
				calls: 1,
				costMicros: 40_000,
				images: 2,
			},
		])
		expect(csv.split('\r\n')).toEqual([
			'date_utc,model,capability,calls,input_tokens,output_tokens,images,seconds,characters,cost_usd',
			'2026-03-01,"my,model",chat,2,10,20,0,0,0,0.001500',
			'2026-03-02,offline:image,image,1,0,0,2,0,0,0.040000',
			'',
		])
	})
})

describe('ranges of UTC days', () => {
	const now = new Date('2026-03-15T23:30:00-05:00') // 04:30 UTC on the 16th
	test('presets count from today in UTC, not in the server’s zone', () => {
		expect(resolveRange({}, now)).toEqual({
			ok: true,
			range: { kind: 'month', from: '2026-03-01', to: '2026-03-16', days: 16 },
		})
		expect(resolveRange({ range: '30d' }, now)).toEqual({
			ok: true,
			range: { kind: '30d', from: '2026-02-15', to: '2026-03-16', days: 30 },
		})
		// a preset wins over dates left in the form
		expect(resolveRange({ range: '30d', from: '2020-01-01' }, now)).toMatchObject({ ok: true, range: { kind: '30d' } })
	})
	test('custom ranges: both ends included, at most 366 days, never backwards', () => {
		expect(resolveRange({ from: '2024-02-28', to: '2024-03-01' }, now)).toMatchObject({ ok: true, range: { days: 3 } })
		expect(resolveRange({ from: '2025-03-16', to: '2026-03-16' }, now)).toMatchObject({
			ok: true,
			range: { days: 366 },
		})
		expect(resolveRange({ from: '2025-03-15', to: '2026-03-16' }, now)).toMatchObject({ ok: false, field: 'to' })
		expect(resolveRange({ from: '2026-03-02', to: '2026-03-01' }, now)).toMatchObject({ ok: false, field: 'from' })
		expect(resolveRange({ range: 'custom', from: '', to: '' }, now)).toMatchObject({
			ok: true,
			range: { kind: 'custom', from: '2026-02-15', to: '2026-03-16' },
		})
	})
})
