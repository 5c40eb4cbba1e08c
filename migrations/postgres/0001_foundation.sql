-- scimhub schema, PostgreSQL dialect. Keep in step with migrations/sqlite/0001_foundation.sql.
-- Times are milliseconds since the Unix epoch (BIGINT); flags are BOOLEAN; JSON documents
-- are TEXT so both dialects read them alike (queries cast to jsonb where they filter).

CREATE TABLE tenant (
    tenant_id       TEXT PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    profile         TEXT NOT NULL CHECK (profile IN ('generic', 'azure')),
    scim_enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    azure_tenant_id TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE credential (
    credential_id TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('bearer')),
    secret_hash   TEXT NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    expires_at    BIGINT,
    revoked_at    BIGINT
);
CREATE INDEX credential_by_tenant ON credential (tenant_id, kind);

CREATE TABLE scim_user (
    user_id       TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    user_name     TEXT NOT NULL,
    user_name_ci  TEXT NOT NULL,
    external_id   TEXT,
    display_name  TEXT,
    active        BOOLEAN NOT NULL,
    resource      TEXT NOT NULL,
    password_hash TEXT,
    version       BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX scim_user_by_user_name ON scim_user (tenant_id, user_name_ci);
CREATE INDEX scim_user_by_external_id ON scim_user (tenant_id, external_id);
CREATE INDEX scim_user_by_display_name ON scim_user (tenant_id, display_name);
CREATE INDEX scim_user_by_created ON scim_user (tenant_id, created_at, user_id);
CREATE INDEX scim_user_by_updated ON scim_user (tenant_id, updated_at);

CREATE TABLE provisioning_log (
    log_id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    occurred_at      BIGINT NOT NULL,
    credential_id    TEXT,
    method           TEXT NOT NULL,
    path             TEXT NOT NULL,
    operation        TEXT NOT NULL,
    resource_type    TEXT,
    resource_id      TEXT,
    user_name        TEXT,
    status           BIGINT NOT NULL,
    scim_type        TEXT,
    detail           TEXT,
    latency_us       BIGINT NOT NULL,
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
    expires_at BIGINT NOT NULL
);
CREATE INDEX admin_session_by_expiry ON admin_session (expires_at);

CREATE TABLE login_link (
    token_hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
