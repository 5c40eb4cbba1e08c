-- Each provisioning-log row keeps its request's id (X-Request-Id), PostgreSQL dialect. Keep in step
-- with migrations/sqlite/0014_request_ids.sql.

ALTER TABLE provisioning_log ADD COLUMN request_id TEXT;
