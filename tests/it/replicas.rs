//! Several scimhub processes on one PostgreSQL database (`scimhub::replicas`), whatever backend
//! the rest of the run uses: a change made through the CLI reaches every replica's caches at
//! once (their lifetime is set to a minute here, so nothing else could explain it); the periodic
//! jobs run in exactly one replica and move when it dies; a replica killed under write load
//! loses no acknowledged write while the others keep serving; and a rolling restart behind a
//! load balancer that follows `/readyz` fails no request. Every wait is for a state,
//! bounded only to turn a hang into a failure.

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::process::{client, free_port, provision, write_load, Acknowledged, Server};
use crate::support::entra_user;
use crate::support::fresh_postgres_url;

const WAIT: Duration = Duration::from_secs(30);
/// Caches that would hold a revoked secret for a minute without change notifications.
const LONG_CACHE: [&str; 2] = ["--cache-ttl-ms", "60000"];

/// A replica: a server process and the address of its metrics.
struct Replica {
    server: Server,
    metrics_port: u16,
    metrics: String,
}

impl Replica {
    async fn start(database_url: &str) -> Replica {
        Replica::start_on(database_url, free_port(), free_port()).await
    }

    /// A replica on these ports (a restarted one takes its predecessor's), which keeps taking
    /// requests for two seconds after SIGTERM while `/readyz` says it is going.
    async fn start_on(database_url: &str, port: u16, metrics_port: u16) -> Replica {
        let metrics_listen = format!("127.0.0.1:{metrics_port}");
        let flags = [LONG_CACHE[0], LONG_CACHE[1], "--metrics-listen", &metrics_listen, "--drain-delay-secs", "2"];
        let mut server = Server::start_on(port, database_url, &flags, &[]);
        server.wait_ready().await;
        Replica { server, metrics_port, metrics: format!("http://{metrics_listen}/metrics") }
    }

    /// The status of `GET /Users` with this token.
    async fn status(&self, tenant: &str, token: &str) -> StatusCode {
        let url = self.server.scim_url(tenant, "/Users?count=1");
        client().get(url).bearer_auth(token).send().await.unwrap().status()
    }

    /// Whether this replica says it runs the periodic jobs (`None`: it does not answer).
    async fn runs_jobs(&self) -> Option<bool> {
        let text = client().get(&self.metrics).send().await.ok()?.text().await.ok()?;
        let line = text.lines().find(|l| l.starts_with("scimhub_periodic_jobs_runner "))?;
        Some(line.ends_with(" 1"))
    }
}

async fn replicas(database_url: &str, n: usize) -> Vec<Replica> {
    let mut started = Vec::new();
    for _ in 0..n {
        started.push(Replica::start(database_url).await);
    }
    started
}

/// Runs the CLI on the database; its output must show success.
fn cli(database_url: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_scimhub"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "scimhub {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// Waits until every replica answers `expected` for this token.
async fn every_replica_answers(replicas: &[Replica], tenant: &str, token: &str, expected: StatusCode, what: &str) {
    let started = Instant::now();
    for (i, replica) in replicas.iter().enumerate() {
        loop {
            let status = replica.status(tenant, token).await;
            if status == expected {
                break;
            }
            assert!(started.elapsed() < WAIT, "replica {i} still answers {status} after {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn a_change_through_the_cli_reaches_every_replica_at_once() {
    let database_url = fresh_postgres_url().await;
    let (_, token) = provision(&database_url, "shared").await;
    let replicas = replicas(&database_url, 3).await;
    // Every replica has the tenant and the credential cached now.
    for replica in &replicas {
        assert_eq!(replica.status("shared", &token).await, StatusCode::OK);
    }

    cli(&database_url, &["secret", "revoke", "shared"]);
    every_replica_answers(&replicas, "shared", &token, StatusCode::UNAUTHORIZED, "the revoke").await;

    let rotated = cli(&database_url, &["secret", "rotate", "shared"]);
    let new_token = rotated.trim().lines().last().unwrap().trim().to_owned();
    assert!(new_token.starts_with("scimhub_"), "{rotated}");
    every_replica_answers(&replicas, "shared", &new_token, StatusCode::OK, "the rotation").await;

    cli(&database_url, &["tenant", "disable", "shared"]);
    every_replica_answers(&replicas, "shared", &new_token, StatusCode::FORBIDDEN, "disabling the tenant").await;
    cli(&database_url, &["tenant", "enable", "shared"]);
    every_replica_answers(&replicas, "shared", &new_token, StatusCode::OK, "enabling the tenant").await;
}

#[tokio::test]
async fn the_periodic_jobs_run_in_one_replica_and_move_when_it_dies() {
    let database_url = fresh_postgres_url().await;
    let mut replicas = replicas(&database_url, 3).await;
    let runner = runner_of(&replicas).await;

    replicas[runner].server.sigkill();
    let survivors: Vec<Replica> =
        replicas.into_iter().enumerate().filter(|(i, _)| *i != runner).map(|(_, r)| r).collect();
    runner_of(&survivors).await;
}

/// Waits until exactly one of the replicas runs the periodic jobs, and returns it.
async fn runner_of(replicas: &[Replica]) -> usize {
    let started = Instant::now();
    loop {
        let mut says = Vec::new();
        for replica in replicas {
            says.push(replica.runs_jobs().await);
        }
        let runners: Vec<usize> = says.iter().enumerate().filter(|(_, s)| **s == Some(true)).map(|(i, _)| i).collect();
        // Two at once must never be seen, even for a moment.
        assert!(runners.len() <= 1, "several replicas run the periodic jobs: {says:?}");
        if let [one] = runners[..] {
            return one;
        }
        assert!(started.elapsed() < WAIT, "no replica runs the periodic jobs: {says:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_replica_killed_under_write_load_loses_no_acknowledged_write() {
    let database_url = fresh_postgres_url().await;
    let (_, token) = provision(&database_url, "busy").await;
    let mut replicas = replicas(&database_url, 3).await;
    let acks = Arc::new(Mutex::new(Acknowledged::default()));
    let count = Arc::new(AtomicUsize::new(0));
    let victim_killed = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for (worker, replica) in replicas.iter().enumerate() {
        // The victim's load stops when its replica goes; the others' when the test says so.
        let until = if worker == 0 { victim_killed.clone() } else { stop.clone() };
        let base = replica.server.scim_url("busy", "");
        load.push(tokio::spawn(write_load(worker, base, token.clone(), acks.clone(), count.clone(), until)));
    }
    wait_for_count(&count, 60).await;
    victim_killed.store(true, Ordering::SeqCst);
    replicas[0].server.sigkill();
    let at_kill = count.load(Ordering::SeqCst);
    // The others keep serving.
    wait_for_count(&count, at_kill + 60).await;
    stop.store(true, Ordering::SeqCst);
    for task in load {
        task.await.unwrap();
    }

    let created = {
        let acks = acks.lock().unwrap();
        assert!(acks.unexpected.is_empty(), "requests failed on replicas that were up: {:#?}", acks.unexpected);
        acks.created.clone()
    };
    let survivor = &replicas[1];
    for (user_name, id) in &created {
        let url = survivor.server.scim_url("busy", &format!("/Users/{id}"));
        let answer = client().get(url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{user_name}, acknowledged, is gone");
    }
}

async fn wait_for_count(count: &AtomicUsize, at_least: usize) {
    let started = Instant::now();
    while count.load(Ordering::SeqCst) < at_least {
        assert!(started.elapsed() < WAIT * 4, "only {} writes acknowledged", count.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A load balancer as the test sees one: it polls each replica's `/readyz` and sends requests
/// round-robin to those that answered 200 last.
struct Balancer {
    ports: Vec<u16>,
    ready: Vec<Arc<AtomicBool>>,
    next: AtomicUsize,
}

impl Balancer {
    fn start(ports: Vec<u16>, stop: Arc<AtomicBool>) -> Arc<Balancer> {
        let ready: Vec<Arc<AtomicBool>> = ports.iter().map(|_| Arc::new(AtomicBool::new(false))).collect();
        for (port, flag) in ports.iter().zip(&ready) {
            let (url, flag, stop) = (format!("http://127.0.0.1:{port}/readyz"), flag.clone(), stop.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::builder().timeout(Duration::from_millis(500)).build().unwrap();
                while !stop.load(Ordering::SeqCst) {
                    let up = matches!(client.get(&url).send().await, Ok(r) if r.status() == StatusCode::OK);
                    flag.store(up, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            });
        }
        Arc::new(Balancer { ports, ready, next: AtomicUsize::new(0) })
    }

    /// The next replica in rotation.
    async fn pick(&self) -> u16 {
        let started = Instant::now();
        loop {
            let n = self.next.fetch_add(1, Ordering::SeqCst);
            for i in 0..self.ports.len() {
                let at = (n + i) % self.ports.len();
                if self.ready[at].load(Ordering::SeqCst) {
                    return self.ports[at];
                }
            }
            assert!(started.elapsed() < WAIT, "no replica in rotation");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn until_in_rotation(&self, port: u16) {
        let at = self.ports.iter().position(|p| *p == port).unwrap();
        let started = Instant::now();
        while !self.ready[at].load(Ordering::SeqCst) {
            assert!(started.elapsed() < WAIT, "the restarted replica on {port} never came back into rotation");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn a_rolling_restart_behind_a_load_balancer_fails_no_request() {
    let database_url = fresh_postgres_url().await;
    let (_, token) = provision(&database_url, "rolling").await;
    let mut replicas = replicas(&database_url, 2).await;
    let stop = Arc::new(AtomicBool::new(false));
    let balancer = Balancer::start(replicas.iter().map(|r| r.server.port).collect(), stop.clone());
    for replica in &replicas {
        balancer.until_in_rotation(replica.server.port).await;
    }
    let created: Arc<Mutex<Vec<String>>> = Arc::default();
    let failed: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut load = Vec::new();
    for worker in 0..2 {
        let (balancer, token, stop) = (balancer.clone(), token.clone(), stop.clone());
        let (created, failed) = (created.clone(), failed.clone());
        load.push(tokio::spawn(async move {
            let client = client();
            for n in 0.. {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let port = balancer.pick().await;
                let user_name = format!("roll-{worker}-{n}@example.com");
                let sent = client
                    .post(format!("http://127.0.0.1:{port}/realms/rolling/scim/v2/Users"))
                    .bearer_auth(&token)
                    .header("content-type", "application/scim+json")
                    .body(entra_user(&user_name, &format!("roll-ext-{worker}-{n}")))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == StatusCode::CREATED => created.lock().unwrap().push(user_name),
                    Ok(r) => failed.lock().unwrap().push(format!("{user_name} on {port}: {}", r.status())),
                    Err(e) => failed.lock().unwrap().push(format!("{user_name} on {port}: {e}")),
                }
            }
        }));
    }

    // Each replica in turn: SIGTERM, out of rotation, drained, exited, started again, back.
    for (i, replica) in replicas.iter_mut().enumerate() {
        let before = created.lock().unwrap().len();
        let (port, metrics_port) = (replica.server.port, replica.metrics_port);
        replica.server.sigterm();
        let status = replica.server.wait_exit().await;
        assert!(status.success(), "replica {i} did not stop cleanly: {status}");
        *replica = Replica::start_on(&database_url, port, metrics_port).await;
        balancer.until_in_rotation(port).await;
        wait_for_count_of(&created, before + 20).await;
    }
    stop.store(true, Ordering::SeqCst);
    for task in load {
        task.await.unwrap();
    }

    let failed = failed.lock().unwrap().clone();
    assert!(failed.is_empty(), "requests failed during the rolling restart: {failed:#?}");
    let created = created.lock().unwrap().clone();
    let (status, body) = {
        let url = replicas[0].server.scim_url("rolling", "/Users?count=0");
        let answer = client().get(url).bearer_auth(&token).send().await.unwrap();
        (answer.status(), answer.json::<serde_json::Value>().await.unwrap())
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["totalResults"].as_u64(), Some(created.len() as u64), "acknowledged creates and users differ");
}

async fn wait_for_count_of(created: &Mutex<Vec<String>>, at_least: usize) {
    let started = Instant::now();
    while created.lock().unwrap().len() < at_least {
        assert!(started.elapsed() < WAIT, "the load stalled at {} creates", created.lock().unwrap().len());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
