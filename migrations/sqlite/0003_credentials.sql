-- Credentials and tokens, SQLite dialect. Keep in step with migrations/postgres/0003_credentials.sql.
-- Times are milliseconds since the Unix epoch; flags are 0/1 integers; lists are JSON arrays in
-- TEXT (NULL = the default list).

-- How a tenant's SCIM endpoint authenticates callers besides its bearer secret.
ALTER TABLE tenant ADD COLUMN remote_token_auth INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tenant ADD COLUMN token_ttl_secs INTEGER NOT NULL DEFAULT 3600;
ALTER TABLE tenant ADD COLUMN azure_audiences TEXT;
ALTER TABLE tenant ADD COLUMN azure_subjects TEXT;
ALTER TABLE tenant ADD COLUMN azure_jwks_url TEXT;

-- A new credential kind (OAuth client secrets, with their client id) needs a new CHECK
-- constraint, and SQLite cannot alter one: rebuild the table. Nothing references it.
CREATE TABLE credential_new (
    credential_id TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('bearer', 'client_secret')),
    client_id     TEXT,
    secret_hash   TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    expires_at    INTEGER,
    revoked_at    INTEGER,
    CHECK ((kind = 'client_secret') = (client_id IS NOT NULL))
);
INSERT INTO credential_new
    (credential_id, tenant_id, kind, client_id, secret_hash, created_at, last_used_at, expires_at, revoked_at)
SELECT credential_id, tenant_id, kind, NULL, secret_hash, created_at, last_used_at, expires_at, revoked_at
FROM credential;
DROP TABLE credential;
ALTER TABLE credential_new RENAME TO credential;
CREATE INDEX credential_by_tenant ON credential (tenant_id, kind, client_id);

-- Per-tenant keys that sign the access tokens of the tenant's token endpoint. At most one
-- active (not retired) key per tenant; a retired key stays published until expires_at, when
-- every token it signed has expired. The private key is PKCS#8 PEM in clear text: whoever can
-- read this database can mint tokens (docs/architecture.md, "Credentials and tokens").
CREATE TABLE signing_key (
    kid             TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    algorithm       TEXT NOT NULL CHECK (algorithm IN ('ES256')),
    private_key_pem TEXT NOT NULL,
    public_jwk      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    retired_at      INTEGER,
    expires_at      INTEGER
);
CREATE INDEX signing_key_by_tenant ON signing_key (tenant_id, created_at);
CREATE UNIQUE INDEX signing_key_active ON signing_key (tenant_id) WHERE retired_at IS NULL;
