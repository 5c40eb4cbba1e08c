-- Administration API tokens, sqlite dialect. Keep in step with migrations/postgres/0017_api_tokens.sql.
-- Times are milliseconds since the Unix epoch.

-- A token for /admin/api/v1: only its SHA-256 is kept. platform: every tenant and platform
-- administration; else the tenants in api_token_tenant (a deleted tenant leaves the scope).
-- read_only: it may look, never change.
CREATE TABLE api_token (
    token_id     TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    platform     INTEGER NOT NULL DEFAULT 0,
    read_only    INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    revoked_at   INTEGER
);

CREATE TABLE api_token_tenant (
    token_id  TEXT NOT NULL REFERENCES api_token (token_id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    PRIMARY KEY (token_id, tenant_id)
);
CREATE INDEX api_token_tenant_by_tenant ON api_token_tenant (tenant_id);
