-- The provisioning log viewer and its retention, PostgreSQL dialect. Keep in step with
-- migrations/sqlite/0008_log_viewer.sql.

-- Keyset pages of the log filtered by one attribute: each index ends in log_id, so a filtered
-- page is an index range read newest first, whatever the size of the log.
DROP INDEX provisioning_log_by_resource;
CREATE INDEX provisioning_log_by_resource ON provisioning_log (tenant_id, resource_id, log_id);
CREATE INDEX provisioning_log_by_user_name ON provisioning_log (tenant_id, user_name, log_id);
CREATE INDEX provisioning_log_by_operation ON provisioning_log (tenant_id, operation, log_id);
CREATE INDEX provisioning_log_by_credential ON provisioning_log (tenant_id, credential_id, log_id);
-- The outcome class: 2 and 3 success, 4 client error, 5 server error (status / 100).
CREATE INDEX provisioning_log_by_outcome ON provisioning_log (tenant_id, (status / 100), log_id);

-- Retention of a tenant's log: rows older than this many days, and beyond this many rows
-- (newest kept), are pruned in the background. NULL: no limit of that kind.
ALTER TABLE tenant ADD COLUMN log_retention_days BIGINT;
ALTER TABLE tenant ADD COLUMN log_retention_rows BIGINT;
