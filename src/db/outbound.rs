//! The outbound tables: `outbound_app` (the applications a tenant pushes to), `outbound_event`
//! (the transactional outbox: one row per committed change and application, deleted once
//! delivered, kept as `dead` when it failed for good) and `outbound_link` (scimhub id ↔ the
//! target's id). docs/architecture.md, "Outbound provisioning", says how they are used.

use std::collections::HashMap;

use super::row::RowRead;
use super::sql::{bind_all, fetch_in, placeholders, Arg, Select, Statement};
use super::{begin_write, Db, Dialect};
use crate::outbound::application::{Application, Auth, Kind, Settings};

const APP_COLUMNS: &str = "app_id, tenant_id, name, kind, url, auth, auth_user, token_url, sealed_secret, settings, \
                           paused, created_at, delivered, last_success_at, last_error, last_error_at";

fn decode_error(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("outbound_app: unreadable {what}").into())
}

fn app_from_row(row: &dyn RowRead) -> Result<Application, sqlx::Error> {
    let settings: Settings = serde_json::from_str(&row.text("settings")?).map_err(|_| decode_error("settings"))?;
    Ok(Application {
        id: row.text("app_id")?,
        tenant_id: row.text("tenant_id")?,
        name: row.text("name")?,
        kind: Kind::parse(&row.text("kind")?).ok_or_else(|| decode_error("kind"))?,
        url: row.text("url")?,
        auth: Auth::from_stored(&row.text("auth")?, row.opt_text("auth_user")?, row.opt_text("token_url")?)
            .ok_or_else(|| decode_error("auth"))?,
        sealed_secret: row.text("sealed_secret")?,
        settings,
        paused: row.flag("paused")?,
        created_at: row.int("created_at")?,
        delivered: row.int("delivered")?,
        last_success_at: row.opt_int("last_success_at")?,
        last_error: row.opt_text("last_error")?,
        last_error_at: row.opt_int("last_error_at")?,
    })
}

/// Stores a new application. A name the tenant already uses is a unique violation.
pub async fn insert(db: &Db, app: &Application) -> Result<(), sqlx::Error> {
    let settings = serde_json::to_string(&app.settings).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let statement = Statement::new(
        "insert into outbound_app (app_id, tenant_id, name, kind, url, auth, auth_user, token_url, sealed_secret, \
         settings, paused, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        vec![
            app.id.as_str().into(),
            app.tenant_id.as_str().into(),
            app.name.as_str().into(),
            app.kind.as_str().into(),
            app.url.as_str().into(),
            app.auth.as_str().into(),
            app.auth.user().into(),
            app.auth.token_url().into(),
            app.sealed_secret.as_str().into(),
            settings.into(),
            app.paused.into(),
            app.created_at.into(),
        ],
    );
    execute(db, &statement).await.map(drop)
}

async fn execute(db: &Db, statement: &Statement) -> Result<u64, sqlx::Error> {
    let done = bind_all(sqlx::query(&statement.sql), &statement.args).execute(db.writer()).await?;
    Ok(done.rows_affected())
}

/// A tenant's applications, by name.
pub async fn list(db: &Db, tenant_id: &str) -> Result<Vec<Application>, sqlx::Error> {
    let select = Select::new(
        format!("select {APP_COLUMNS} from outbound_app where tenant_id = $1 order by name"),
        vec![tenant_id.into()],
    );
    db.fetch(&select, app_from_row).await
}

/// The tenant's application with this name.
pub async fn by_name(db: &Db, tenant_id: &str, name: &str) -> Result<Option<Application>, sqlx::Error> {
    let select = Select::new(
        format!("select {APP_COLUMNS} from outbound_app where tenant_id = $1 and name = $2"),
        vec![tenant_id.into(), name.into()],
    );
    db.fetch_optional(&select, app_from_row).await
}

/// The application with this id.
pub async fn get(db: &Db, app_id: &str) -> Result<Option<Application>, sqlx::Error> {
    let select = Select::new(format!("select {APP_COLUMNS} from outbound_app where app_id = $1"), vec![app_id.into()]);
    db.fetch_optional(&select, app_from_row).await
}

/// Pauses or resumes delivery; whether the application exists.
pub async fn set_paused(db: &Db, app_id: &str, paused: bool) -> Result<bool, sqlx::Error> {
    let statement =
        Statement::new("update outbound_app set paused = $2 where app_id = $1", vec![app_id.into(), paused.into()]);
    Ok(execute(db, &statement).await? == 1)
}

/// Replaces an application's settings; whether it exists.
pub async fn set_settings(db: &Db, app_id: &str, settings: &Settings) -> Result<bool, sqlx::Error> {
    let json = serde_json::to_string(settings).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let statement =
        Statement::new("update outbound_app set settings = $2 where app_id = $1", vec![app_id.into(), json.into()]);
    Ok(execute(db, &statement).await? == 1)
}

/// Removes an application with its queue and links; whether it existed.
pub async fn remove(db: &Db, app_id: &str) -> Result<bool, sqlx::Error> {
    let mut tx = begin_write(db.writer()).await?;
    for table in ["outbound_event", "outbound_link"] {
        sqlx::query(&format!("delete from {table} where app_id = $1")).bind(app_id).execute(&mut *tx).await?;
    }
    let done = sqlx::query("delete from outbound_app where app_id = $1").bind(app_id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// One change waiting for (or failed at) one application.
#[derive(Debug, Clone)]
pub struct Event {
    /// Its id: the order events were enqueued in.
    pub id: i64,
    /// `User` or `Group`.
    pub resource_type: String,
    /// The resource's scimhub id.
    pub resource_id: String,
    /// `created`, `updated`, `deactivated`, `deleted` (or `sync`: push the current state).
    pub kind: String,
    /// The userName or displayName when the change was made.
    pub name: String,
    /// For a group change that added or removed members: `{"added": [...], "removed": [...]}`.
    pub members: Option<String>,
    /// Enqueue time (ms).
    pub created_at: i64,
    /// Failed attempts so far.
    pub attempts: i64,
    /// The last failure's message.
    pub last_error: Option<String>,
}

const EVENT_COLUMNS: &str =
    "event_id, resource_type, resource_id, kind, name, members, created_at, attempts, last_error";

fn event_from_row(row: &dyn RowRead) -> Result<Event, sqlx::Error> {
    Ok(Event {
        id: row.int("event_id")?,
        resource_type: row.text("resource_type")?,
        resource_id: row.text("resource_id")?,
        kind: row.text("kind")?,
        name: row.text("name")?,
        members: row.opt_text("members")?,
        created_at: row.int("created_at")?,
        attempts: row.int("attempts")?,
        last_error: row.opt_text("last_error")?,
    })
}

/// A committed change, as the outbox records it.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The tenant.
    pub tenant_id: &'a str,
    /// `User` or `Group`.
    pub resource_type: &'a str,
    /// The resource's id.
    pub resource_id: &'a str,
    /// `created`, `updated`, `deactivated` or `deleted`.
    pub kind: &'a str,
    /// The userName or displayName.
    pub name: &'a str,
}

/// The statement that enqueues a change for every application of its tenant — to run in the
/// change's own transaction (the transactional outbox). With no application it inserts nothing.
pub fn enqueue_statement(change: Change<'_>, members: Option<String>, now_ms: i64) -> Statement {
    Statement::new(
        "insert into outbound_event (app_id, resource_type, resource_id, kind, name, members, created_at, next_attempt_at) \
         select app_id, $2, $3, $4, $5, $6, $7, $7 from outbound_app where tenant_id = $1",
        vec![
            change.tenant_id.into(),
            change.resource_type.into(),
            change.resource_id.into(),
            change.kind.into(),
            change.name.into(),
            Arg::TextOrNull(members),
            now_ms.into(),
        ],
    )
}

/// The statement that enqueues, for every application of the tenant, a `members` change of each
/// group `member_id` belongs to, removing it — to run in the transaction that deletes the member,
/// before its memberships go (a deleted user or group leaves its groups).
pub fn left_groups_statement(tenant_id: &str, member_id: &str, now_ms: i64) -> Statement {
    let members = serde_json::json!({ "added": [], "removed": [member_id] }).to_string();
    Statement::new(
        "insert into outbound_event (app_id, resource_type, resource_id, kind, name, members, created_at, next_attempt_at) \
         select a.app_id, 'Group', g.group_id, 'updated', g.display_name, $3, $4, $4 from outbound_app a \
         join group_member m on m.tenant_id = a.tenant_id and m.member_id = $2 \
         join scim_group g on g.group_id = m.group_id where a.tenant_id = $1",
        vec![tenant_id.into(), member_id.into(), members.into(), now_ms.into()],
    )
}

/// Enqueues, for one application, a push of the current state of these resources (type, id,
/// name): a user who entered or left a scope group, a group whose members were just linked.
pub async fn enqueue_pushes(
    db: &Db,
    app_id: &str,
    resources: &[(&str, &str, &str)],
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    for chunk in resources.chunks(500) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, ${}, ${}, 'sync', ${}, $2, $2)", 3 + 3 * i, 4 + 3 * i, 5 + 3 * i))
            .collect();
        let mut args: Vec<Arg> = vec![app_id.into(), now_ms.into()];
        for (resource_type, id, name) in chunk {
            args.extend([(*resource_type).into(), (*id).into(), (*name).into()]);
        }
        let sql = format!(
            "insert into outbound_event (app_id, resource_type, resource_id, kind, name, created_at, next_attempt_at) \
             values {}",
            rows.join(", ")
        );
        execute(db, &Statement::new(sql, args)).await?;
    }
    Ok(())
}

/// Enqueues a push of every user of the application's tenant, and of every group when
/// `groups` (*Sync now*); returns how many.
pub async fn enqueue_everything(db: &Db, app: &Application, groups: bool, now_ms: i64) -> Result<u64, sqlx::Error> {
    let mut total = 0;
    let tables = [("User", "scim_user", "user_id", "user_name"), ("Group", "scim_group", "group_id", "display_name")];
    for (resource_type, table, id, name) in tables.into_iter().take(if groups { 2 } else { 1 }) {
        let statement = Statement::new(
            format!(
                "insert into outbound_event (app_id, resource_type, resource_id, kind, name, created_at, next_attempt_at) \
                 select $1, $2, {id}, 'sync', {name}, $3, $3 from {table} where tenant_id = $4 order by created_at"
            ),
            vec![app.id.as_str().into(), resource_type.into(), now_ms.into(), app.tenant_id.as_str().into()],
        );
        total += execute(db, &statement).await?;
    }
    Ok(total)
}

/// The applications, not paused, with an event due now.
pub async fn due_apps(db: &Db, now_ms: i64) -> Result<Vec<String>, sqlx::Error> {
    let select = Select::new(
        "select a.app_id from outbound_app a where not a.paused and exists (select 1 from outbound_event e \
         where e.app_id = a.app_id and e.state = 'pending' and e.next_attempt_at <= $1 and e.lease_until <= $1)",
        vec![now_ms.into()],
    );
    db.fetch(&select, |row| row.text("app_id")).await
}

/// A claim on events: by which process, until when.
#[derive(Debug, Clone, Copy)]
pub struct Lease<'a> {
    /// The claiming process's instance id.
    pub holder: &'a str,
    /// The claim's end (ms); the holder extends it while it lives ([`extend_leases`]).
    pub until: i64,
}

/// Claims up to `limit` events of an application that are due and first in line for their
/// resource (no earlier event of the resource is pending), oldest first. On PostgreSQL the rows
/// are locked with `FOR UPDATE SKIP LOCKED`, so several processes never claim one event; a
/// claim whose holder died (its lease no longer extended) expires.
pub async fn claim(
    db: &Db,
    app_id: &str,
    now_ms: i64,
    lease: Lease<'_>,
    limit: i64,
) -> Result<Vec<Event>, sqlx::Error> {
    let lock = match db.dialect() {
        Dialect::Postgres => " for update of e skip locked",
        Dialect::Sqlite => "",
    };
    let select = Select::new(
        format!(
            "select {EVENT_COLUMNS} from outbound_event e where e.app_id = $1 and e.state = 'pending' \
             and e.next_attempt_at <= $2 and e.lease_until <= $2 and not exists (select 1 from outbound_event p \
             where p.app_id = e.app_id and p.resource_id = e.resource_id and p.state = 'pending' and p.event_id < e.event_id) \
             order by e.event_id limit $3{lock}"
        ),
        vec![app_id.into(), now_ms.into(), limit.into()],
    );
    let mut tx = begin_write(db.writer()).await?;
    let events = fetch_in(&mut *tx, &select, event_from_row).await?;
    if !events.is_empty() {
        let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
        let sql = format!(
            "update outbound_event set lease_until = $1, claimed_by = $2 where event_id in ({})",
            placeholders(3, ids.len())
        );
        let mut args: Vec<Arg> = vec![lease.until.into(), lease.holder.into()];
        args.extend(ids.iter().map(|id| Arg::Int(*id)));
        bind_all(sqlx::query(&sql), &args).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(events)
}

/// The pending events of one resource at one application (what a push of its current state
/// covers), in order.
pub async fn pending_of(db: &Db, app_id: &str, resource_id: &str) -> Result<Vec<Event>, sqlx::Error> {
    let select = Select::new(
        format!(
            "select {EVENT_COLUMNS} from outbound_event where app_id = $1 and resource_id = $2 and state = 'pending' \
             order by event_id"
        ),
        vec![app_id.into(), resource_id.into()],
    );
    db.fetch(&select, event_from_row).await
}

/// Marks events delivered: they go, and the application counts them. Written through
/// [`Db::write`] — on SQLite a round of the group commit the SCIM writes share — not as a
/// transaction of its own on the one write connection, which took turns with that group commit.
pub async fn delivered(db: &Db, app_id: &str, ids: &[i64], now_ms: i64) -> Result<(), sqlx::Error> {
    let mut statements: Vec<Statement> = ids
        .chunks(500)
        .map(|chunk| {
            let sql = format!(
                "delete from outbound_event where app_id = $1 and event_id in ({})",
                placeholders(2, chunk.len())
            );
            let args = std::iter::once(Arg::from(app_id)).chain(chunk.iter().map(|id| Arg::Int(*id))).collect();
            Statement::new(sql, args)
        })
        .collect();
    let count = i64::try_from(ids.len()).unwrap_or(i64::MAX);
    statements.push(Statement::new(
        "update outbound_app set delivered = delivered + $2, last_success_at = $3 where app_id = $1",
        vec![app_id.into(), count.into(), now_ms.into()],
    ));
    db.write(statements).await.map(drop)
}

/// What became of a delivery that did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Try again at this time (ms).
    RetryAt(i64),
    /// Failed for good: the event goes to the dead-letter list.
    Dead,
}

/// Records a failed delivery of an event: retried later, or dead; the application keeps the
/// message as its last error.
pub async fn failed(
    db: &Db,
    app_id: &str,
    event_id: i64,
    failure: Failure,
    error: &str,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    let (state, next) = match failure {
        Failure::RetryAt(at) => ("pending", at),
        Failure::Dead => ("dead", now_ms),
    };
    let event = Statement::new(
        "update outbound_event set state = $3, attempts = attempts + 1, next_attempt_at = $4, lease_until = 0, \
         last_error = $5 where app_id = $1 and event_id = $2",
        vec![app_id.into(), event_id.into(), state.into(), next.into(), error.into()],
    );
    db.write(vec![event, error_statement(app_id, error, now_ms)]).await.map(drop)
}

/// The statement that keeps an application's last error.
fn error_statement(app_id: &str, error: &str, now_ms: i64) -> Statement {
    Statement::new(
        "update outbound_app set last_error = $2, last_error_at = $3 where app_id = $1",
        vec![app_id.into(), error.into(), now_ms.into()],
    )
}

/// Gives claimed events back unanswered (the process is stopping).
pub async fn release(db: &Db, ids: &[i64]) -> Result<(), sqlx::Error> {
    for chunk in ids.chunks(500) {
        let sql =
            format!("update outbound_event set lease_until = 0 where event_id in ({})", placeholders(1, chunk.len()));
        let args: Vec<Arg> = chunk.iter().map(|id| Arg::Int(*id)).collect();
        execute(db, &Statement::new(sql, args)).await?;
    }
    Ok(())
}

/// An application's queue in numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueStatus {
    /// Events waiting.
    pub backlog: i64,
    /// Of those, events that failed at least once.
    pub failing: i64,
    /// Events on the dead-letter list.
    pub dead: i64,
    /// When the oldest waiting event was enqueued (ms).
    pub oldest_pending_at: Option<i64>,
}

/// An application's queue, named, for the metrics.
#[derive(Debug, Clone)]
pub struct AppQueue {
    /// The tenant's id.
    pub tenant_id: String,
    /// The tenant's name.
    pub tenant: String,
    /// The application's id.
    pub app_id: String,
    /// The application's name.
    pub application: String,
    /// Events delivered so far.
    pub delivered: i64,
    /// Its queue.
    pub status: QueueStatus,
}

/// Every application's queue, in one read.
pub async fn queues(db: &Db) -> Result<Vec<AppQueue>, sqlx::Error> {
    let select = Select::new(
        "select a.app_id, a.tenant_id, t.name as tenant, a.name as application, a.delivered, \
           coalesce(sum(case when e.state = 'pending' then 1 else 0 end), 0) as backlog, \
           coalesce(sum(case when e.state = 'pending' and e.attempts > 0 then 1 else 0 end), 0) as failing, \
           coalesce(sum(case when e.state = 'dead' then 1 else 0 end), 0) as dead, \
           min(case when e.state = 'pending' then e.created_at end) as oldest \
         from outbound_app a join tenant t on t.tenant_id = a.tenant_id \
         left join outbound_event e on e.app_id = a.app_id \
         group by a.app_id, a.tenant_id, t.name, a.name, a.delivered",
        Vec::new(),
    );
    db.fetch(&select, |row| {
        Ok(AppQueue {
            tenant_id: row.text("tenant_id")?,
            tenant: row.text("tenant")?,
            app_id: row.text("app_id")?,
            application: row.text("application")?,
            delivered: row.int("delivered")?,
            status: QueueStatus {
                backlog: row.int("backlog")?,
                failing: row.int("failing")?,
                dead: row.int("dead")?,
                oldest_pending_at: row.opt_int("oldest")?,
            },
        })
    })
    .await
}

/// The queue of an application.
pub async fn status(db: &Db, app_id: &str) -> Result<QueueStatus, sqlx::Error> {
    let select = Select::new(
        "select \
           coalesce(sum(case when state = 'pending' then 1 else 0 end), 0) as backlog, \
           coalesce(sum(case when state = 'pending' and attempts > 0 then 1 else 0 end), 0) as failing, \
           coalesce(sum(case when state = 'dead' then 1 else 0 end), 0) as dead, \
           min(case when state = 'pending' then created_at end) as oldest \
         from outbound_event where app_id = $1",
        vec![app_id.into()],
    );
    let found = db
        .fetch_optional(&select, |row| {
            Ok(QueueStatus {
                backlog: row.int("backlog")?,
                failing: row.int("failing")?,
                dead: row.int("dead")?,
                oldest_pending_at: row.opt_int("oldest")?,
            })
        })
        .await?;
    Ok(found.unwrap_or_default())
}

/// The dead-letter list of an application, oldest first.
pub async fn dead_letters(db: &Db, app_id: &str, limit: i64) -> Result<Vec<Event>, sqlx::Error> {
    let select = Select::new(
        format!("select {EVENT_COLUMNS} from outbound_event where app_id = $1 and state = 'dead' order by event_id limit $2"),
        vec![app_id.into(), limit.into()],
    );
    db.fetch(&select, event_from_row).await
}

/// Puts dead events (one, or all when `event_id` is `None`) back in line, due now; how many.
pub async fn retry_dead(db: &Db, app_id: &str, event_id: Option<i64>, now_ms: i64) -> Result<u64, sqlx::Error> {
    let statement = Statement::new(
        "update outbound_event set state = 'pending', attempts = 0, next_attempt_at = $2, lease_until = 0 \
         where app_id = $1 and state = 'dead' and ($3 < 0 or event_id = $3)",
        vec![app_id.into(), now_ms.into(), event_id.unwrap_or(-1).into()],
    );
    execute(db, &statement).await
}

/// Drops dead events (one, or all); how many.
pub async fn skip_dead(db: &Db, app_id: &str, event_id: Option<i64>) -> Result<u64, sqlx::Error> {
    let statement = Statement::new(
        "delete from outbound_event where app_id = $1 and state = 'dead' and ($2 < 0 or event_id = $2)",
        vec![app_id.into(), event_id.unwrap_or(-1).into()],
    );
    execute(db, &statement).await
}

/// The target's id of a resource (`User` or `Group`) at an application.
pub async fn link_of(
    db: &Db,
    app_id: &str,
    resource_type: &str,
    resource_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let select = Select::new(
        "select target_id from outbound_link where app_id = $1 and resource_id = $2 and resource_type = $3",
        vec![app_id.into(), resource_id.into(), resource_type.into()],
    );
    db.fetch_optional(&select, |row| row.text("target_id")).await
}

/// Records (or moves) the link of a resource to its target id.
pub async fn put_link(
    db: &Db,
    app_id: &str,
    resource_type: &str,
    resource_id: &str,
    target_id: &str,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    let statement = Statement::new(
        "insert into outbound_link (app_id, resource_id, resource_type, target_id, delivered_at) values ($1, $2, $3, $4, $5) \
         on conflict (app_id, resource_id) do update set target_id = excluded.target_id, delivered_at = excluded.delivered_at",
        vec![app_id.into(), resource_id.into(), resource_type.into(), target_id.into(), now_ms.into()],
    );
    execute(db, &statement).await.map(drop)
}

/// Forgets a resource's link (it is gone at the target).
pub async fn remove_link(db: &Db, app_id: &str, resource_id: &str) -> Result<(), sqlx::Error> {
    let statement = Statement::new(
        "delete from outbound_link where app_id = $1 and resource_id = $2",
        vec![app_id.into(), resource_id.into()],
    );
    execute(db, &statement).await.map(drop)
}

/// The target ids of those of `ids` that are linked at the application.
pub async fn links_of(db: &Db, app_id: &str, ids: &[String]) -> Result<HashMap<String, String>, sqlx::Error> {
    let mut links = HashMap::new();
    for chunk in ids.chunks(500) {
        let select = Select::new(
            format!(
                "select resource_id, target_id from outbound_link where app_id = $1 and resource_id in ({})",
                placeholders(2, chunk.len())
            ),
            std::iter::once(Arg::from(app_id)).chain(chunk.iter().map(|id| Arg::from(id.as_str()))).collect(),
        );
        links.extend(db.fetch(&select, |row| Ok((row.text("resource_id")?, row.text("target_id")?))).await?);
    }
    Ok(links)
}

/// The linked users of an application, with their userNames (for a scope that changed).
pub async fn linked_users(db: &Db, app_id: &str) -> Result<Vec<(String, String)>, sqlx::Error> {
    let select = Select::new(
        "select l.resource_id, coalesce(u.user_name, l.resource_id) as name from outbound_link l \
         left join scim_user u on u.user_id = l.resource_id where l.app_id = $1 and l.resource_type = 'User'",
        vec![app_id.into()],
    );
    db.fetch(&select, |row| Ok((row.text("resource_id")?, row.text("name")?))).await
}

/// Where a resource was pushed: (application name, target id, delivered at).
pub async fn pushed_to(db: &Db, tenant_id: &str, resource_id: &str) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    let select = Select::new(
        "select a.name, l.target_id, l.delivered_at from outbound_link l join outbound_app a on a.app_id = l.app_id \
         where a.tenant_id = $1 and l.resource_id = $2 order by a.name",
        vec![tenant_id.into(), resource_id.into()],
    );
    db.fetch(&select, |row| Ok((row.text("name")?, row.text("target_id")?, row.int("delivered_at")?))).await
}

/// Whether a user is in an application's scope: every user, or a member of one of its scope
/// groups.
pub async fn in_scope(db: &Db, app: &Application, user_id: &str) -> Result<bool, sqlx::Error> {
    let groups = &app.settings.scope_groups;
    Ok(groups.is_empty() || member_of_any(db, &app.tenant_id, user_id, groups).await?)
}

/// Whether a resource is a member of any of these groups.
async fn member_of_any(db: &Db, tenant_id: &str, member_id: &str, groups: &[String]) -> Result<bool, sqlx::Error> {
    let select = Select::new(
        format!(
            "select count(*) as found from group_member where tenant_id = $1 and member_id = $2 and group_id in ({})",
            placeholders(3, groups.len())
        ),
        [tenant_id, member_id].into_iter().chain(groups.iter().map(String::as_str)).map(Arg::from).collect(),
    );
    Ok(db.fetch_optional(&select, |row| row.int("found")).await?.is_some_and(|n| n > 0))
}

/// The groups a resource is a direct member of: (id, displayName).
pub async fn groups_of(db: &Db, tenant_id: &str, member_id: &str) -> Result<Vec<(String, String)>, sqlx::Error> {
    let select = Select::new(
        "select g.group_id, g.display_name from group_member m join scim_group g on g.group_id = m.group_id \
         where m.tenant_id = $1 and m.member_id = $2",
        vec![tenant_id.into(), member_id.into()],
    );
    db.fetch(&select, |row| Ok((row.text("group_id")?, row.text("display_name")?))).await
}

/// The ids of the tenant's groups with this displayName (compared as the filter does).
pub async fn groups_named(db: &Db, tenant_id: &str, name: &str) -> Result<Vec<String>, sqlx::Error> {
    let select = Select::new(
        "select group_id from scim_group where tenant_id = $1 and display_name_ci = $2",
        vec![tenant_id.into(), super::group::fold_display_name(name).into()],
    );
    db.fetch(&select, |row| row.text("group_id")).await
}

/// Extends the leases of the events a living process is delivering, until `until` (ms).
pub async fn extend_leases(db: &Db, event_ids: &[i64], until: i64) -> Result<(), sqlx::Error> {
    for chunk in event_ids.chunks(500) {
        let sql = format!(
            "update outbound_event set lease_until = $1 where lease_until > 0 and event_id in ({})",
            placeholders(2, chunk.len())
        );
        let args: Vec<Arg> = std::iter::once(Arg::Int(until)).chain(chunk.iter().map(|id| Arg::Int(*id))).collect();
        execute(db, &Statement::new(sql, args)).await?;
    }
    Ok(())
}

/// Releases every claim (at start-up, when this process is the only one that delivers).
pub async fn release_all(db: &Db) -> Result<(), sqlx::Error> {
    execute(db, &Statement::new("update outbound_event set lease_until = 0 where lease_until > 0", Vec::new()))
        .await
        .map(drop)
}
