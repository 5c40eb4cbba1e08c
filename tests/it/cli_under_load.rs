//! The command line beside a busy server: `scimhub client-secret rotate --grace` and
//! `scimhub signing-key rotate`, run as their own processes on the database a `scimhub serve`
//! is writing to under load, wait for the server's writes instead of failing with SQLite's
//! "database is locked" — and the server's writes do not fail either.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use scimhub::db::Db;

use crate::process::{provision, write_load, Acknowledged, Server, IO_TIMEOUT, START_TIMEOUT};
use crate::support::fresh_database_url;

/// Runs `scimhub ARGS` on the database; its exit status, stdout and stderr.
pub(crate) async fn cli(database_url: &str, args: &[&str]) -> std::process::Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_scimhub"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SCIMHUB_") {
            command.env_remove(key);
        }
    }
    let run = command.args(args).env("DATABASE_URL", database_url).env("RUST_LOG", "warn").output();
    tokio::time::timeout(START_TIMEOUT, run).await.expect("the command hangs").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_rotations_beside_a_server_under_write_load_wait_instead_of_failing() {
    const WORKERS: usize = 8;
    const ROUNDS: usize = 30;
    let database_url = fresh_database_url().await;
    let (tenant_id, token) = provision(&database_url, "busy").await;
    let mut server = Server::start(&database_url);
    server.wait_ready().await;

    let acks = Arc::new(Mutex::new(Acknowledged::default()));
    let count = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..WORKERS)
        .map(|worker| {
            let base = server.scim_url("busy", "");
            tokio::spawn(write_load(worker, base, token.clone(), acks.clone(), count.clone(), stop.clone()))
        })
        .collect();
    let started = Instant::now();
    while count.load(Ordering::SeqCst) < WORKERS {
        assert!(acks.lock().unwrap().unexpected.is_empty(), "{:#?}", acks.lock().unwrap().unexpected);
        assert!(started.elapsed() < START_TIMEOUT, "the write load did not start");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    let before = count.load(Ordering::SeqCst);
    for round in 1..=ROUNDS {
        let out = cli(&database_url, &["client-secret", "rotate", "busy", "--grace", "60"]).await;
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "client-secret rotate, round {round}: {}\n{stderr}", out.status);
        let lines: Vec<&str> = stdout.lines().collect();
        assert!(
            lines.len() == 2 && lines[0].starts_with("scimhub-") && lines[1].starts_with("scimhub_cs_"),
            "round {round}: {stdout}"
        );

        let out = cli(&database_url, &["signing-key", "rotate", "busy"]).await;
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "signing-key rotate, round {round}: {}\n{stderr}", out.status);
        assert!(stdout.contains("now signs its access tokens with key"), "round {round}: {stdout}");
    }
    let during = count.load(Ordering::SeqCst) - before;

    stop.store(true, Ordering::SeqCst);
    for worker in workers {
        tokio::time::timeout(IO_TIMEOUT, worker).await.expect("a load task hangs").unwrap();
    }
    let unexpected = std::mem::take(&mut acks.lock().unwrap().unexpected);
    assert!(unexpected.is_empty(), "the server's writes failed beside the command line: {unexpected:#?}");
    assert!(during > 0, "the server took no writes while the commands ran");
    server.stop().await;

    // Every run wrote: one signing key and one client secret each.
    let db = Db::connect(&database_url).await.unwrap();
    for (table, kind) in [("signing_key", ""), ("credential", " and kind = 'client_secret'")] {
        let rows: i64 = sqlx::query_scalar(&format!("select count(*) from {table} where tenant_id = $1{kind}"))
            .bind(&tenant_id)
            .fetch_one(db.reader())
            .await
            .unwrap();
        assert_eq!(rows, ROUNDS as i64, "{table}");
    }
    db.close().await;
    eprintln!("{ROUNDS} rounds of rotations beside {during} acknowledged server writes");
}
