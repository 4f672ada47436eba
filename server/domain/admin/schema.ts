/**
 * The administration forms, shared by the pages and the domain (valibot only: safe in the browser bundle).
 * Each admin page's mutations are told apart by the submit button's `intent`.
 */
import * as v from 'valibot'

const Id = v.pipe(
	v.string('Pick an account.'),
	v.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'That is not an account id.'),
)

/** The largest monthly budget the form takes, in USD (the column holds up to 10^10). */
export const BUDGET_MAX_USD = 1_000_000

/** Empty means "the deployment's default"; otherwise dollars with at most two decimals. */
const Budget = v.pipe(
	v.optional(v.string(), ''),
	v.trim(),
	v.check(
		value => value === '' || /^\d{1,7}(\.\d{1,2})?$/.test(value),
		'Enter an amount in dollars, like 25 or 12.50, or leave it empty for the default.',
	),
	v.transform(value => (value === '' ? null : Number(value))),
	v.check(value => value === null || value <= BUDGET_MAX_USD, `A budget can be at most $${BUDGET_MAX_USD}.`),
)

export const UserActionSchema = v.variant('intent', [
	v.object({
		intent: v.literal('role'),
		userId: Id,
		role: v.picklist(['user', 'admin'], 'Pick a role: user or admin.'),
	}),
	v.object({ intent: v.literal('budget'), userId: Id, budget: Budget }),
	v.object({ intent: v.literal('disable'), userId: Id }),
	v.object({ intent: v.literal('enable'), userId: Id }),
])
export type UserAction = v.InferOutput<typeof UserActionSchema>

export const USER_FILTERS = ['all', 'active', 'disabled', 'admins'] as const
export type UserFilter = (typeof USER_FILTERS)[number]

export const UsersQuerySchema = v.object({
	q: v.pipe(v.optional(v.string(), ''), v.trim(), v.maxLength(200, 'Search for at most 200 characters.')),
	status: v.optional(v.picklist(USER_FILTERS, 'Pick a status.'), 'all'),
	page: v.pipe(
		v.optional(v.string(), '1'),
		v.regex(/^\d{1,4}$/, 'A page is a number.'),
		v.transform(Number),
		v.minValue(1, 'Pages start at 1.'),
	),
})
export type UsersQuery = v.InferOutput<typeof UsersQuerySchema>

export const ModelActionSchema = v.variant('intent', [
	v.object({ intent: v.literal('sync') }),
	v.object({
		intent: v.picklist(['enable', 'disable']),
		modelId: v.pipe(v.string('Pick a model.'), v.minLength(3, 'Pick a model.'), v.maxLength(300, 'Pick a model.')),
	}),
])
export type ModelAction = v.InferOutput<typeof ModelActionSchema>

export const JobActionSchema = v.object({
	intent: v.picklist(['retry', 'discard'], 'Pick Retry or Discard.'),
	queue: v.pipe(v.string('Pick a job.'), v.maxLength(100)),
	jobId: v.pipe(
		v.string('Pick a job.'),
		v.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'That is not a job id.'),
	),
})
export type JobAction = v.InferOutput<typeof JobActionSchema>

export const AuditQuerySchema = v.object({
	/** The cursor: entries older than this one (`<iso time>_<id>`). */
	before: v.optional(
		v.pipe(v.string(), v.regex(/^[0-9T:.Z-]{20,30}_[0-9a-f-]{36}$/, 'That is not a page of the log.')),
	),
})
