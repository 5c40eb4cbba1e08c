//! `scimhub backup` of a database a server is writing to, and `scimhub restore` into an empty
//! one: every write acknowledged before the backup began is in the restored database, which
//! passes its integrity check and opens at this version's schema. On the database under test.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scimhub::db::Db;

use crate::cli_under_load::cli;
use crate::process::{provision, write_load, Acknowledged, Server};
use crate::support::fresh_database_url;

/// Every user of the database: id → (userName, displayName).
async fn users(database_url: &str) -> HashMap<String, (String, Option<String>)> {
    let db = Db::connect(database_url).await.unwrap();
    let rows: Vec<(String, String, Option<String>)> =
        sqlx::query_as("select user_id, user_name, display_name from scim_user").fetch_all(db.reader()).await.unwrap();
    db.close().await;
    rows.into_iter().map(|(id, name, display)| (id, (name, display))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_every_acknowledged_write() {
    let source = fresh_database_url().await;
    let (_, token) = provision(&source, "kept").await;
    let mut server = Server::start(&source);
    server.wait_ready().await;
    let acks = Arc::new(Mutex::new(Acknowledged::default()));
    let count = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let base = server.url("/realms/kept/scim/v2");
    let load: Vec<_> = (0..4)
        .map(|w| tokio::spawn(write_load(w, base.clone(), token.clone(), acks.clone(), count.clone(), stop.clone())))
        .collect();
    let started = Instant::now();
    while count.load(Ordering::SeqCst) < 200 {
        assert!(started.elapsed() < Duration::from_secs(60), "the load did not get going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // What was acknowledged before the backup began; the writes go on while it runs.
    let (created, patched) = {
        let acks = acks.lock().unwrap();
        (acks.created.clone(), acks.patched.clone())
    };
    let file = std::env::temp_dir().join(format!("scimhub-backup-{}", uuid::Uuid::new_v4().simple()));
    let file_arg = file.display().to_string();
    let out = cli(&source, &["backup", "--to", &file_arg]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Backed up to"));
    let during = count.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    for task in load {
        task.await.unwrap();
    }
    assert!(acks.lock().unwrap().unexpected.is_empty(), "{:?}", acks.lock().unwrap().unexpected);
    assert!(during > created.len(), "the load kept writing during the backup");
    // A backup never overwrites a file.
    let again = cli(&source, &["backup", "--to", &file_arg]).await;
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("exists already"));

    let target = fresh_database_url().await;
    let out = cli(&target, &["restore", "--from", &file_arg]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let restored = users(&target).await;
    for (user_name, id) in &created {
        let (name, display) =
            restored.get(id).unwrap_or_else(|| panic!("{user_name} ({id}) was acknowledged, not restored"));
        assert_eq!(name, user_name);
        if let Some(patched) = patched.get(id) {
            assert_eq!(display.as_deref(), Some(patched.as_str()), "{user_name}'s acknowledged PATCH");
        }
    }
    if let Some(path) = target.strip_prefix("sqlite://") {
        scimhub::db::backup::integrity(std::path::Path::new(path)).unwrap();
    }
    // The restored database serves at this version's schema.
    let mut restored_server = Server::start(&target);
    restored_server.wait_ready().await;
    let ready = crate::process::client().get(restored_server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), reqwest::StatusCode::OK);

    // A database that is not empty is never restored over, and stays as it was.
    let refused = cli(&target, &["restore", "--from", &file_arg]).await;
    assert!(!refused.status.success(), "restored over a database in use");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("is not empty"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(users(&target).await.len(), restored.len());
    let missing = cli(&target, &["restore", "--from", "/nonexistent/backup"]).await;
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read the backup"));
    let _ = std::fs::remove_file(file);
}
