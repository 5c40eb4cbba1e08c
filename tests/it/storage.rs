//! `Db::write` and `Db::fetch`, the storage path of SCIM requests (on SQLite: reads in place and
//! group commit), on either database: a batch is all or nothing, an unmet expectation undoes
//! it, and concurrent requests committed together keep their own outcomes.

use scimhub::db::sql::{Select, Statement};
use scimhub::db::{is_unique_violation, Db, Outcome};

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
