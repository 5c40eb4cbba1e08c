-- scimhub schema, SQLite dialect. Keep in step with migrations/postgres/0001_foundation.sql.
-- Times are milliseconds since the Unix epoch; flags are 0/1 integers (the sqlx Any driver
-- has no SQLite boolean); JSON documents are TEXT.

CREATE TABLE tenant (
    tenant_id       TEXT PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    profile         TEXT NOT NULL CHECK (profile IN ('generic', 'azure')),
    scim_enabled    INTEGER NOT NULL DEFAULT 1,
    azure_tenant_id TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE credential (
    credential_id TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('bearer')),
    secret_hash   TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    expires_at    INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX credential_by_tenant ON credential (tenant_id, kind);

CREATE TABLE scim_user (
    user_id       TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    user_name     TEXT NOT NULL,
    user_name_ci  TEXT NOT NULL,
    external_id   TEXT,
    display_name  TEXT,
    active        INTEGER NOT NULL,
    resource      TEXT NOT NULL,
    password_hash TEXT,
    version       INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX scim_user_by_user_name ON scim_user (tenant_id, user_name_ci);
CREATE INDEX scim_user_by_external_id ON scim_user (tenant_id, external_id);
CREATE INDEX scim_user_by_display_name ON scim_user (tenant_id, display_name);
CREATE INDEX scim_user_by_created ON scim_user (tenant_id, created_at, user_id);
CREATE INDEX scim_user_by_updated ON scim_user (tenant_id, updated_at);

CREATE TABLE provisioning_log (
    log_id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id        TEXT NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    occurred_at      INTEGER NOT NULL,
    credential_id    TEXT,
    method           TEXT NOT NULL,
    path             TEXT NOT NULL,
    operation        TEXT NOT NULL,
    resource_type    TEXT,
    resource_id      TEXT,
    user_name        TEXT,
    status           INTEGER NOT NULL,
    scim_type        TEXT,
    detail           TEXT,
    latency_us       INTEGER NOT NULL,
    request_excerpt  TEXT,
    response_excerpt TEXT,
    client_addr      TEXT,
    user_agent       TEXT
);
CREATE INDEX provisioning_log_by_tenant ON provisioning_log (tenant_id, log_id);
CREATE INDEX provisioning_log_by_resource ON provisioning_log (tenant_id, resource_id);

CREATE TABLE admin_session (
    session_id TEXT PRIMARY KEY,
    data       TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX admin_session_by_expiry ON admin_session (expires_at);

CREATE TABLE login_link (
    token_hash TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
