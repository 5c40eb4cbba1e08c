-- Outbound requests in the provisioning log, SQLite dialect. Keep in step with
-- migrations/postgres/0013_outbound_log.sql.

-- The application a row's request went to; NULL for the requests scimhub received (the
-- direction "in"), so every existing row stays what it was.
ALTER TABLE provisioning_log ADD COLUMN application_id TEXT;
-- Keyset pages of the outbound rows (the direction filter) read this index newest first; it
-- holds outbound rows only, so the inbound write path does not maintain it.
CREATE INDEX provisioning_log_outbound ON provisioning_log (tenant_id, log_id) WHERE application_id IS NOT NULL;
