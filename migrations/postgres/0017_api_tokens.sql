-- Administration API tokens, postgres dialect. Keep in step with migrations/sqlite/0017_api_tokens.sql.
-- Times are milliseconds since the Unix epoch.

-- A token for /admin/api/v1: only its SHA-256 is kept. platform: every tenant and platform
-- administration; else the tenants in api_token_tenant (a deleted tenant leaves the scope).
-- read_only: it may look, never change.
CREATE TABLE api_token (
    token_id     TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    platform     BOOLEAN NOT NULL DEFAULT FALSE,
    read_only    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT,
    revoked_at   BIGINT
);

CREATE TABLE api_token_tenant (
    token_id  TEXT NOT NULL REFERENCES api_token (token_id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    PRIMARY KEY (token_id, tenant_id)
);
CREATE INDEX api_token_tenant_by_tenant ON api_token_tenant (tenant_id);
