-- The administrators' audit trail, SQLite dialect. Keep in step with migrations/postgres/0004_audit.sql.
-- Times are milliseconds since the Unix epoch. Append-only: triggers refuse UPDATE and DELETE.
--
-- tenant_id has no foreign key on purpose: the trail of a tenant must outlive the tenant (and a
-- cascade or SET NULL would rewrite history). It is NULL for actions that concern no tenant.
-- detail is a JSON object describing the change; it never holds a secret.

CREATE TABLE admin_audit (
    audit_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     TEXT,
    occurred_at   INTEGER NOT NULL,
    actor_subject TEXT NOT NULL,
    actor_label   TEXT NOT NULL,
    action        TEXT NOT NULL,
    detail        TEXT NOT NULL,
    client_addr   TEXT
);
CREATE INDEX admin_audit_by_tenant ON admin_audit (tenant_id, audit_id);

CREATE TRIGGER admin_audit_no_update BEFORE UPDATE ON admin_audit
BEGIN
    SELECT RAISE(ABORT, 'admin_audit is append-only');
END;

CREATE TRIGGER admin_audit_no_delete BEFORE DELETE ON admin_audit
BEGIN
    SELECT RAISE(ABORT, 'admin_audit is append-only');
END;
