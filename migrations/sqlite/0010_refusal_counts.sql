-- Repeated identical refusals (same tenant, client address, status and reason, no credential)
-- are stored as one provisioning-log row with a count, SQLite dialect. Keep in step with
-- migrations/postgres/0010_refusal_counts.sql.

-- How many requests the row stands for (1 for every row but an aggregated refusal); the first
-- of them arrived at occurred_at.
ALTER TABLE provisioning_log ADD COLUMN repeat_count INTEGER NOT NULL DEFAULT 1;
-- When the last of them arrived (ms); NULL when the row stands for one request.
ALTER TABLE provisioning_log ADD COLUMN last_seen_at INTEGER;
