-- Attribute mappers, PostgreSQL dialect. Keep in step with migrations/sqlite/0007_attribute_mappers.sql.
-- Times are milliseconds since the Unix epoch.

-- A tenant's mappers: each reads a SCIM attribute path (claim) of a user and stores it under an
-- internal user attribute with a JSON type. Names and user attributes are unique per tenant,
-- compared case-insensitively (the *_ci columns hold them folded to lower case).
CREATE TABLE attribute_mapper (
    mapper_id         TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    position          BIGINT NOT NULL,
    name              TEXT NOT NULL,
    name_ci           TEXT NOT NULL,
    user_attribute    TEXT NOT NULL,
    user_attribute_ci TEXT NOT NULL,
    claim             TEXT NOT NULL,
    json_type         TEXT NOT NULL CHECK (json_type IN ('String', 'boolean', 'long', 'JSON')),
    multivalued       BOOLEAN NOT NULL,
    id_token          BOOLEAN NOT NULL,
    access_token      BOOLEAN NOT NULL,
    userinfo          BOOLEAN NOT NULL,
    introspection     BOOLEAN NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX attribute_mapper_by_name ON attribute_mapper (tenant_id, name_ci);
CREATE UNIQUE INDEX attribute_mapper_by_user_attribute ON attribute_mapper (tenant_id, user_attribute_ci);
CREATE INDEX attribute_mapper_by_position ON attribute_mapper (tenant_id, position);

-- Incremented by every change to a tenant's mappers.
ALTER TABLE tenant ADD COLUMN mapping_revision BIGINT NOT NULL DEFAULT 0;

-- A user's internal attributes (a JSON object) as derived by the mappers of revision
-- mapping_revision; users behind their tenant's revision are re-derived in the background.
ALTER TABLE scim_user ADD COLUMN attributes TEXT;
ALTER TABLE scim_user ADD COLUMN mapping_revision BIGINT NOT NULL DEFAULT 0;
CREATE INDEX scim_user_by_mapping ON scim_user (tenant_id, mapping_revision);
