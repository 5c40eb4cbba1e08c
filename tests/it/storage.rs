//! `Db::write` and `Db::fetch`, the storage path of SCIM requests (on SQLite: reads in place and
//! group commit; on PostgreSQL a pipelined transaction), on either database: a batch is all or
//! nothing, an unmet expectation undoes it, concurrent requests committed together keep their own
//! outcomes, and a failure leaves the connection it ran on fit for the next request.

use scimhub::db::sql::{Select, Statement};
use scimhub::db::{is_unique_violation, Db, Dialect, Durability, Outcome};

use crate::support::fresh_database_url;

async fn scratch() -> Db {
    let db = Db::connect(&fresh_database_url().await).await.unwrap();
    sqlx::query("create table scratch (k text primary key, v bigint not null)").execute(db.writer()).await.unwrap();
    db
}

fn insert(k: &str, v: i64) -> Statement {
    Statement::new("insert into scratch (k, v) values ($1, $2)", vec![k.into(), v.into()])
}

async fn rows(db: &Db) -> Vec<(String, i64)> {
    let select = Select::new("select k, v from scratch order by k", vec![]);
    db.fetch(&select, |row| Ok((row.text("k")?, row.int("v")?))).await.unwrap()
}

#[tokio::test]
async fn a_batch_that_fails_writes_nothing() {
    let db = scratch().await;
    let err = db.write(vec![insert("a", 1), insert("a", 2)]).await.unwrap_err();
    assert!(is_unique_violation(&err), "{err:?}");
    assert_eq!(rows(&db).await, vec![]);
    assert_eq!(db.write(vec![insert("a", 1), insert("b", 2)]).await.unwrap(), Outcome::Written);
    assert_eq!(rows(&db).await, vec![("a".into(), 1), ("b".into(), 2)]);
}

#[tokio::test]
async fn an_unmet_expectation_undoes_the_batch() {
    let db = scratch().await;
    db.write(vec![insert("a", 1)]).await.unwrap();
    let bump = |from: i64| {
        Statement::new("update scratch set v = v + 1 where k = 'a' and v = $1", vec![from.into()]).expecting(1)
    };
    assert_eq!(db.write(vec![insert("b", 1), bump(7)]).await.unwrap(), Outcome::Conflict);
    assert_eq!(rows(&db).await, vec![("a".into(), 1)], "the insert before the conflict is undone");
    assert_eq!(db.write(vec![insert("b", 1), bump(1)]).await.unwrap(), Outcome::Written);
    assert_eq!(rows(&db).await, vec![("a".into(), 2), ("b".into(), 1)]);
    // What follows an unmet expectation may fail because of it (a row it did not write): the
    // answer is still the conflict, as if each statement had waited for the one before.
    assert_eq!(db.write(vec![bump(7), insert("a", 9)]).await.unwrap(), Outcome::Conflict);
    assert_eq!(rows(&db).await, vec![("a".into(), 2), ("b".into(), 1)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_batches_keep_their_own_outcomes() {
    let db = scratch().await;
    // 200 requests at once; on SQLite they share transactions, and each failure must undo only
    // its own statements. Every tenth takes the key of the one before it — half of those as
    // their first statement, half after an insert of their own that must be undone too — and
    // every tenth from the fifth on ends with an expectation nothing meets.
    let key = |i: i64| if i % 10 == 9 { format!("k{:03}", i - 1) } else { format!("k{i:03}") };
    let unmet = Statement::new("update scratch set v = v where k = 'nowhere'", vec![]).expecting(1);
    let writes: Vec<_> = (0..200)
        .map(|i| {
            let (own, other) = (insert(&key(i), i), insert(&format!("x{i:03}"), i));
            let statements = match i % 20 {
                19 => vec![other, own],
                4 | 14 => vec![own, other, unmet.clone()],
                _ => vec![own, other],
            };
            let db = db.clone();
            tokio::spawn(async move { (i, db.write(statements).await) })
        })
        .collect();
    let mut expected = Vec::new();
    let mut refused = Vec::new();
    let mut conflicts = Vec::new();
    for write in writes {
        match write.await.unwrap() {
            (i, Ok(Outcome::Written)) => expected.extend([(key(i), i), (format!("x{i:03}"), i)]),
            (i, Ok(Outcome::Conflict)) => conflicts.push(i),
            (i, Err(e)) => {
                assert!(is_unique_violation(&e), "request {i}: {e:?}");
                refused.push(key(i));
            }
        }
    }
    assert_eq!(conflicts, (0..20).map(|p| p * 10 + 4).collect::<Vec<_>>());
    // Of each pair that shares a key, exactly one request was refused, whichever came second.
    let pairs: Vec<String> = (0..20).map(|p| format!("k{:03}", p * 10 + 8)).collect();
    refused.sort();
    assert_eq!(refused, pairs);
    expected.sort();
    assert_eq!(rows(&db).await, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_share_transactions_on_postgres() {
    let db = scratch().await;
    if db.dialect() != Dialect::Postgres {
        return; // SQLite's group commit: concurrent_batches_keep_their_own_outcomes.
    }
    // Each write records the transaction it ran in; 200 at once need far fewer than 200.
    let writes: Vec<_> = (0..200)
        .map(|i| {
            let statement = Statement::new(
                "insert into scratch (k, v) values ($1, txid_current())",
                vec![format!("k{i:03}").into()],
            );
            let db = db.clone();
            tokio::spawn(async move { db.write(vec![statement]).await })
        })
        .collect();
    for write in writes {
        assert_eq!(write.await.unwrap().unwrap(), Outcome::Written);
    }
    let written = rows(&db).await;
    assert_eq!(written.len(), 200);
    let transactions: std::collections::BTreeSet<i64> = written.iter().map(|(_, txid)| *txid).collect();
    assert!(transactions.len() < 100, "200 writes in {} transactions", transactions.len());
}

#[tokio::test]
async fn bad_statements_are_errors_and_change_nothing() {
    let db = scratch().await;
    let missing_value = Statement::new("insert into scratch (k, v) values ($1, $2)", vec!["a".into()]);
    assert!(db.write(vec![insert("b", 1), missing_value]).await.is_err());
    let not_null = Statement::new("insert into scratch (k, v) values ($1, $2)", vec!["a".into(), None::<&str>.into()]);
    assert!(db.write(vec![insert("c", 1), not_null]).await.is_err());
    assert!(db.write(vec![Statement::new("insert into nowhere values (1)", vec![])]).await.is_err());
    assert_eq!(rows(&db).await, vec![]);
    // The writer goes on after failures.
    assert_eq!(db.write(vec![insert("d", 4)]).await.unwrap(), Outcome::Written);
    assert_eq!(rows(&db).await, vec![("d".into(), 4)]);
}

async fn logged(db: &Db, tenant_id: &str) -> i64 {
    let select = Select::new("select count(*) as n from provisioning_log where tenant_id = $1", vec![tenant_id.into()]);
    db.fetch(&select, |row| row.int("n")).await.unwrap()[0]
}

#[tokio::test]
async fn queued_log_rows_are_written_without_a_flush_and_a_flush_writes_at_once() {
    use scimhub::db::log::NewLogEntry;
    use scimhub::db::log_sink::LogSink;
    let db = Db::connect(&fresh_database_url().await).await.unwrap();
    let tenant = scimhub::db::tenant::insert(&db, "sink", scimhub::tenant::Profile::Generic, 0).await.unwrap();
    let sink = LogSink::spawn(db.clone());
    let row = |path: &str| NewLogEntry {
        tenant_id: tenant.id.clone(),
        method: "GET".into(),
        path: path.into(),
        operation: "read".into(),
        status: 200,
        ..NewLogEntry::default()
    };
    // A lone read's row: nobody flushes, and it is written once the gathering time is over.
    sink.append(row("/Users/a")).await;
    let mut waited = 0;
    while logged(&db, &tenant.id).await == 0 {
        assert!(waited < 200, "the row was never written");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        waited += 1;
    }
    assert_eq!(logged(&db, &tenant.id).await, 1);
    // The rows queued before a flush are written when it returns.
    sink.append(row("/Users/b")).await;
    sink.append(row("/Users/c")).await;
    sink.flush().await;
    assert_eq!(logged(&db, &tenant.id).await, 3);
}

/// A database whose hot path has a single connection, so every request below runs on the
/// connection the one before it used.
async fn one_connection() -> Db {
    let db = Db::connect_with(&fresh_database_url().await, Durability::Normal, 1).await.unwrap();
    sqlx::query("create table scratch (k text primary key, v bigint not null)").execute(db.writer()).await.unwrap();
    db
}

#[tokio::test]
async fn a_failed_batch_leaves_its_connection_fit_for_the_next() {
    let db = one_connection().await;
    let unmet = Statement::new("update scratch set v = 0 where k = 'nowhere'", vec![]).expecting(1);
    let missing_value = Statement::new("insert into scratch (k, v) values ($1, $2)", vec!["m".into()]);
    for _ in 0..3 {
        assert!(is_unique_violation(&db.write(vec![insert("a", 1), insert("a", 2)]).await.unwrap_err()));
        assert_eq!(db.write(vec![insert("b", 1), unmet.clone()]).await.unwrap(), Outcome::Conflict);
        assert!(db.write(vec![insert("c", 1), missing_value.clone()]).await.is_err());
        assert!(db.fetch(&Select::new("select nothing from nowhere", vec![]), |row| row.int("nothing")).await.is_err());
    }
    // Were the connection left inside the aborted transaction, these would fail too.
    assert_eq!(db.write(vec![insert("d", 4)]).await.unwrap(), Outcome::Written);
    assert_eq!(rows(&db).await, vec![("d".into(), 4)]);
}

#[tokio::test]
async fn integers_of_every_width_and_flags_decode_alike() {
    let db = scratch().await;
    let table = "create table widths (s smallint, i integer, b bigint, f boolean, n integer)";
    sqlx::query(table).execute(db.writer()).await.unwrap();
    let yes = if db.dialect() == Dialect::Postgres { "true" } else { "1" };
    let insert = format!("insert into widths values (-7, 2147483647, 9007199254740993, {yes}, null)");
    db.write(vec![Statement::new(insert, vec![])]).await.unwrap();
    let select =
        Select::new("select s, i, b, f, n, i > $1 as bigger, count(*) over () as total from widths", vec![0.into()]);
    let read = db
        .fetch(&select, |row| {
            Ok((
                row.int("s")?,
                row.int("i")?,
                row.int("b")?,
                row.flag("f")?,
                row.opt_int("n")?,
                row.flag("bigger")?,
                row.int("total")?,
            ))
        })
        .await
        .unwrap();
    assert_eq!(read, vec![(-7, 2_147_483_647, 9_007_199_254_740_993, true, None, true, 1)]);
    let absent = db.fetch(&select, |row| row.int("no_such_column")).await;
    assert!(absent.is_err(), "{absent:?}");
}

#[tokio::test]
async fn many_statement_shapes_stay_correct_and_the_prepared_ones_stay_bounded() {
    let db = one_connection().await;
    db.write(vec![insert("a", 10)]).await.unwrap();
    // As many distinct texts as a client could make of filters of odd shapes.
    for i in 0..600_i64 {
        let select = Select::new(format!("select v + {i} as w from scratch where k = $1"), vec!["a".into()]);
        assert_eq!(db.fetch(&select, |row| row.int("w")).await.unwrap(), vec![10 + i]);
    }
    if db.dialect() == Dialect::Postgres {
        let prepared = Select::new("select count(*) as n from pg_prepared_statements", vec![]);
        let n = db.fetch(&prepared, |row| row.int("n")).await.unwrap()[0];
        assert!(n <= 257, "{n} statements prepared on one connection");
    }
}

#[tokio::test]
async fn a_write_whose_caller_goes_away_completes_and_frees_its_connection() {
    use futures_util::FutureExt;
    let db = one_connection().await;
    if db.dialect() != Dialect::Postgres {
        return; // SQLite's writer thread owns its writes already (`group_commit`).
    }
    // The caller polls once and hangs up, as a client that disconnects mid-request.
    assert!(db.write(vec![insert("a", 1), insert("b", 2)]).now_or_never().is_none());
    assert_eq!(db.write(vec![insert("c", 3)]).await.unwrap(), Outcome::Written);
    let mut waited = 0;
    while rows(&db).await.len() < 3 {
        assert!(waited < 500, "the abandoned write never finished: {:?}", rows(&db).await);
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        waited += 1;
    }
    assert_eq!(rows(&db).await, vec![("a".into(), 1), ("b".into(), 2), ("c".into(), 3)]);
}

#[tokio::test]
async fn a_connection_the_server_ended_is_replaced() {
    let db = one_connection().await;
    if db.dialect() != Dialect::Postgres {
        return; // SQLite has no server to end a connection.
    }
    let pid = Select::new("select pg_backend_pid() as pid", vec![]);
    let first = db.fetch(&pid, |row| row.int("pid")).await.unwrap()[0];
    let kill = format!("select pg_terminate_backend({first})");
    sqlx::query(&kill).execute(db.reader()).await.unwrap();
    // The first request after it may fail (the end is seen when the connection is next used);
    // a request after that runs on a new connection.
    let mut attempts = 0;
    let second = loop {
        attempts += 1;
        match db.fetch(&pid, |row| row.int("pid")).await {
            Ok(found) => break found[0],
            Err(e) => assert!(attempts < 3, "no new connection: {e}"),
        }
    };
    assert_ne!(first, second);
    assert_eq!(db.write(vec![insert("a", 1)]).await.unwrap(), Outcome::Written);
    assert_eq!(rows(&db).await, vec![("a".into(), 1)]);
}

/// The name, preparation time and plan of the hot connection's prepared lookup by userName.
async fn prepared_lookup(db: &Db) -> (String, String) {
    let select = Select::new(
        "select name, prepare_time::text as at from pg_prepared_statements \
         where statement like '%from scim_user where%user_name_ci = $2%' and statement not like '%pg_prepared%'",
        vec![],
    );
    let found = db.fetch(&select, |row| Ok((row.text("name")?, row.text("at")?))).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    found.into_iter().next().unwrap()
}

async fn plan_of(db: &Db, statement: &str) -> String {
    let explain = Select::new(format!("explain execute {statement} ('t1', 'n42', 100, 0)"), vec![]);
    db.fetch(&explain, |row| row.text("QUERY PLAN")).await.unwrap().join("\n")
}

#[tokio::test]
async fn lookups_prepared_on_an_empty_table_are_planned_again_once_it_has_grown() {
    let db = one_connection().await;
    if db.dialect() != Dialect::Postgres {
        return; // SQLite plans every statement anew; it caches no generic plan.
    }
    sqlx::query(
        "insert into tenant (tenant_id, name, display_name, profile, created_at, updated_at) \
         values ('t1', 't1', 'T1', 'generic', 0, 0)",
    )
    .execute(db.writer())
    .await
    .unwrap();
    let by_name = scimhub::db::sql::Where { sql: "user_name_ci = $2".into(), args: vec!["n42".into()] };
    let lookup = || scimhub::db::user::list(&db, "t1", &by_name, None, 0, 100);
    // PostgreSQL moves a statement to its generic plan once that looks no dearer than the custom
    // ones, which depends on the moment's estimates; the session setting makes it certain here.
    let generic = Select::new("select set_config('plan_cache_mode', 'force_generic_plan', false) as m", vec![]);
    db.fetch(&generic, |row| row.text("m")).await.unwrap();
    for _ in 0..10 {
        assert!(lookup().await.unwrap().is_empty());
    }
    let (first, prepared_at) = prepared_lookup(&db).await;
    sqlx::query(
        "insert into scim_user (user_id, tenant_id, user_name, user_name_ci, active, resource, version, \
         created_at, updated_at) \
         select 'u' || g, 't1', 'n' || g, 'n' || g, true, '{}', 1, g, g from generate_series(1, 5000) g",
    )
    .execute(db.writer())
    .await
    .unwrap();
    let stale = plan_of(&db, &first).await;
    assert!(!stale.contains("scim_user_by_user_name"), "the plan made for the empty table:\n{stale}");

    // Within REPLAN_EVERY more uses the connection prepares its statements again.
    let mut uses = 0;
    let again = loop {
        assert_eq!(lookup().await.unwrap().len(), 1);
        uses += 2;
        let now = prepared_lookup(&db).await;
        if now.1 != prepared_at {
            break now.0;
        }
        assert!(uses <= 2 * scimhub::db::engine::pipelined::REPLAN_EVERY + 4, "not prepared again after {uses} uses");
    };
    for _ in 0..10 {
        assert_eq!(lookup().await.unwrap().len(), 1);
    }
    let fresh = plan_of(&db, &again).await;
    assert!(fresh.contains("scim_user_by_user_name"), "the plan made for 5,000 users:\n{fresh}");
}
