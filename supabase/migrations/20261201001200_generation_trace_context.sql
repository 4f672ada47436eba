-- The trace that started a long prediction (a W3C traceparent), so its completion by webhook, which arrives as a
-- request of its own, joins that trace (docs/decisions/012-telemetry-cost-and-links.md).
alter table public.generations add column trace_context text;
