-- Tenant and administrator management, SQLite dialect. Keep in step with
-- migrations/postgres/0006_admin_rights.sql. Times are milliseconds since the Unix epoch.

-- A disabled tenant keeps its data; its SCIM and token endpoints answer 403.
ALTER TABLE tenant ADD COLUMN disabled_at INTEGER;

-- Who may administer what. tenant_id NULL grants platform administration (every tenant).
-- principal_kind: 'subject' (the OIDC `sub`, exact), 'email' (stored lower-case), or 'claim'
-- (a value of the configured rights claim, e.g. an IdP group, exact).
CREATE TABLE admin_grant (
    grant_id       TEXT PRIMARY KEY,
    tenant_id      TEXT REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    principal_kind TEXT NOT NULL CHECK (principal_kind IN ('subject', 'email', 'claim')),
    principal      TEXT NOT NULL,
    read_only      INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    created_by     TEXT NOT NULL
);
CREATE UNIQUE INDEX admin_grant_once ON admin_grant (coalesce(tenant_id, ''), principal_kind, principal);
CREATE INDEX admin_grant_by_principal ON admin_grant (principal_kind, principal);

-- The tenant an administrator last worked in, offered first next time.
CREATE TABLE admin_preference (
    subject     TEXT PRIMARY KEY,
    last_tenant TEXT,
    updated_at  INTEGER NOT NULL
);

-- Requests and errors per tenant over a time window (tenants page, overview).
CREATE INDEX provisioning_log_by_time ON provisioning_log (tenant_id, occurred_at);
