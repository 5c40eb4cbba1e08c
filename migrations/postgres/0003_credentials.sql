-- Credentials and tokens, PostgreSQL dialect. Keep in step with migrations/sqlite/0003_credentials.sql.
-- Times are milliseconds since the Unix epoch (BIGINT); flags are BOOLEAN; lists are JSON arrays
-- in TEXT (NULL = the default list).

-- How a tenant's SCIM endpoint authenticates callers besides its bearer secret.
ALTER TABLE tenant ADD COLUMN remote_token_auth BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE tenant ADD COLUMN token_ttl_secs BIGINT NOT NULL DEFAULT 3600;
ALTER TABLE tenant ADD COLUMN azure_audiences TEXT;
ALTER TABLE tenant ADD COLUMN azure_subjects TEXT;
ALTER TABLE tenant ADD COLUMN azure_jwks_url TEXT;

-- OAuth client secrets are credentials too, with the client id they belong to.
ALTER TABLE credential DROP CONSTRAINT credential_kind_check;
ALTER TABLE credential ADD CONSTRAINT credential_kind_check CHECK (kind IN ('bearer', 'client_secret'));
ALTER TABLE credential ADD COLUMN client_id TEXT;
ALTER TABLE credential ADD CONSTRAINT credential_client_id_check
    CHECK ((kind = 'client_secret') = (client_id IS NOT NULL));
DROP INDEX credential_by_tenant;
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
    created_at      BIGINT NOT NULL,
    retired_at      BIGINT,
    expires_at      BIGINT
);
CREATE INDEX signing_key_by_tenant ON signing_key (tenant_id, created_at);
CREATE UNIQUE INDEX signing_key_active ON signing_key (tenant_id) WHERE retired_at IS NULL;
