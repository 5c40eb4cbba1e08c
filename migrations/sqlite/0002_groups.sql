-- Groups and their members, SQLite dialect. Keep in step with migrations/postgres/0002_groups.sql.
-- A group's JSON holds neither `members` nor `id`/`meta`: members are rows of group_member, so
-- adding or removing members never rewrites the group; id and meta come from the columns.
-- displayName is not unique (RFC 7643 §4.2 says uniqueness none; Entra ID allows duplicate
-- group names): display_name_ci (folded to lower case) only serves the `displayName eq` filter.

CREATE TABLE scim_group (
    group_id        TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    display_name    TEXT NOT NULL,
    display_name_ci TEXT NOT NULL,
    external_id     TEXT,
    resource        TEXT NOT NULL,
    version         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX scim_group_by_display_name ON scim_group (tenant_id, display_name_ci);
CREATE INDEX scim_group_by_external_id ON scim_group (tenant_id, external_id);
CREATE INDEX scim_group_by_created ON scim_group (tenant_id, created_at, group_id);
CREATE INDEX scim_group_by_updated ON scim_group (tenant_id, updated_at);

-- member_id is a user's or a group's id (member_type says which), so it has no foreign key:
-- deleting a user or a group removes its memberships explicitly, in the same transaction.
CREATE TABLE group_member (
    tenant_id   TEXT NOT NULL,
    group_id    TEXT NOT NULL REFERENCES scim_group (group_id) ON DELETE CASCADE,
    member_id   TEXT NOT NULL,
    member_type TEXT NOT NULL CHECK (member_type IN ('User', 'Group')),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX group_member_by_member ON group_member (tenant_id, member_id);
