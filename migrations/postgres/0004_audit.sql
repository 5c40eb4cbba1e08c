-- The administrators' audit trail, PostgreSQL dialect. Keep in step with migrations/sqlite/0004_audit.sql.
-- Times are milliseconds since the Unix epoch (BIGINT). Append-only: a trigger refuses UPDATE,
-- DELETE and TRUNCATE.
--
-- tenant_id has no foreign key on purpose: the trail of a tenant must outlive the tenant (and a
-- cascade or SET NULL would rewrite history). It is NULL for actions that concern no tenant.
-- detail is a JSON object describing the change; it never holds a secret.

CREATE TABLE admin_audit (
    audit_id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     TEXT,
    occurred_at   BIGINT NOT NULL,
    actor_subject TEXT NOT NULL,
    actor_label   TEXT NOT NULL,
    action        TEXT NOT NULL,
    detail        TEXT NOT NULL,
    client_addr   TEXT
);
CREATE INDEX admin_audit_by_tenant ON admin_audit (tenant_id, audit_id);

CREATE FUNCTION admin_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'admin_audit is append-only';
END;
$$;

CREATE TRIGGER admin_audit_no_change BEFORE UPDATE OR DELETE ON admin_audit
    FOR EACH ROW EXECUTE FUNCTION admin_audit_append_only();

CREATE TRIGGER admin_audit_no_truncate BEFORE TRUNCATE ON admin_audit
    FOR EACH STATEMENT EXECUTE FUNCTION admin_audit_append_only();
