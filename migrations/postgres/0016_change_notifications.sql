-- Change notifications between processes on one database (docs/architecture.md, "Replicas"),
-- PostgreSQL dialect. Keep in step with migrations/sqlite/0016_change_notifications.sql.

-- Every administrative change is audited; each audit row tells every listening scimhub process
-- (`NOTIFY scimhub_changes`, delivered when the change's transaction commits) to drop what it
-- has cached of tenants, credentials and mappings.
CREATE FUNCTION scimhub_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('scimhub_changes', coalesce(NEW.tenant_id, ''));
    RETURN NULL;
END
$$;

CREATE TRIGGER admin_audit_notify AFTER INSERT ON admin_audit
    FOR EACH ROW EXECUTE FUNCTION scimhub_notify_change();
