-- Outbound provisioning (docs/architecture.md, "Outbound provisioning"), PostgreSQL dialect. Keep in
-- step with migrations/sqlite/0012_outbound.sql.

-- The applications a tenant pushes its changes to: SCIM 2.0 services and webhooks. The one
-- secret an application needs (bearer token, Basic password, OAuth client secret, webhook
-- signing secret) is sealed with the process's key (`sealed`), never stored in clear.
CREATE TABLE outbound_app (
    app_id          TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('scim', 'webhook')),
    url             TEXT NOT NULL,
    auth            TEXT NOT NULL CHECK (auth IN ('bearer', 'basic', 'oauth', 'signature')),
    auth_user       TEXT,
    token_url       TEXT,
    sealed_secret   TEXT NOT NULL,
    settings        TEXT NOT NULL,
    paused          BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      BIGINT NOT NULL,
    delivered       BIGINT NOT NULL DEFAULT 0,
    last_success_at BIGINT,
    last_error      TEXT,
    last_error_at   BIGINT,
    UNIQUE (tenant_id, name)
);

-- The transactional outbox: one row per committed change and application, written in the
-- change's own transaction. Delivered rows are deleted; rows that failed for good stay as
-- 'dead' (the dead-letter list) until retried or skipped.
CREATE TABLE outbound_event (
    event_id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id          TEXT NOT NULL REFERENCES outbound_app (app_id) ON DELETE CASCADE,
    resource_type   TEXT NOT NULL CHECK (resource_type IN ('User', 'Group')),
    resource_id     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL,
    members         TEXT,
    created_at      BIGINT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT NOT NULL DEFAULT 0,
    claimed_by      TEXT,
    last_error      TEXT
);
CREATE INDEX outbound_event_queue ON outbound_event (app_id, state, event_id);
CREATE INDEX outbound_event_resource ON outbound_event (app_id, resource_id, event_id);

-- Which target resource each scimhub resource became (scimhub id ↔ the target's id).
CREATE TABLE outbound_link (
    app_id        TEXT NOT NULL REFERENCES outbound_app (app_id) ON DELETE CASCADE,
    resource_id   TEXT NOT NULL,
    resource_type TEXT NOT NULL CHECK (resource_type IN ('User', 'Group')),
    target_id     TEXT NOT NULL,
    delivered_at  BIGINT NOT NULL,
    PRIMARY KEY (app_id, resource_id)
);
CREATE INDEX outbound_link_by_resource ON outbound_link (resource_id);
