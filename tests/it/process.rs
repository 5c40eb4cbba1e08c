//! The real `scimhub` binary as a child process, for the tests that need a whole server: crash
//! safety, connection handling, what reaches the process's output.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scimhub::db::tenant;
use scimhub::db::Db;
use scimhub::secret::Secret;
use scimhub::tenant::Profile;
use serde_json::{json, Value};

use crate::support::entra_user;

const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Generous bounds for a debug build on a busy machine; they only turn a hang into a failure.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);
pub const EXIT_TIMEOUT: Duration = Duration::from_secs(15);
pub const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// A `scimhub serve` child process. Dropping it kills the process; when the test is failing,
/// the server's output is printed first.
pub struct Server {
    /// The process (crash tests poll it directly).
    pub child: Child,
    /// The port it listens on.
    pub port: u16,
    log: PathBuf,
}

impl Server {
    /// Starts the server on a free port (it is not ready yet: see [`Server::wait_ready`]).
    pub fn start(database_url: &str) -> Server {
        Self::start_with(database_url, &[])
    }

    /// [`Server::start`] with more `serve` flags.
    pub fn start_with(database_url: &str, flags: &[&str]) -> Server {
        Self::start_with_env(database_url, flags, &[])
    }

    /// [`Server::start_with`] with more environment variables (`RUST_LOG` is `warn` unless given).
    pub fn start_with_env(database_url: &str, flags: &[&str], env: &[(&str, &str)]) -> Server {
        Self::start_on(free_port(), database_url, flags, env)
    }

    /// [`Server::start_with_env`] on a given port (one that clients were told before it ran).
    pub fn start_on(port: u16, database_url: &str, flags: &[&str], env: &[(&str, &str)]) -> Server {
        let log = std::env::temp_dir().join(format!("scimhub-serve-{}.log", uuid::Uuid::new_v4().simple()));
        let out = File::create(&log).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_scimhub"));
        // The flags below are the whole configuration, whatever the caller's environment says.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("SCIMHUB_") {
                command.env_remove(key);
            }
        }
        let child = command
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--public-url", &format!("http://127.0.0.1:{port}")])
            .args(flags)
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        Server { child, port, log }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn scim_url(&self, tenant: &str, path: &str) -> String {
        self.url(&format!("/realms/{tenant}/scim/v2{path}"))
    }

    /// Waits until `GET /healthz` answers 200.
    pub async fn wait_ready(&mut self) {
        let client = client();
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the server exited during start-up: {status}");
            }
            if let Ok(r) = client.get(self.url("/healthz")).timeout(Duration::from_secs(2)).send().await {
                if r.status() == reqwest::StatusCode::OK {
                    return;
                }
            }
            assert!(started.elapsed() < START_TIMEOUT, "the server did not answer /healthz within {START_TIMEOUT:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Everything the process has written to stdout and stderr so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGKILL (what `Child::kill` does on Unix) and reaps the process.
    pub fn sigkill(&mut self) {
        self.child.kill().unwrap();
        let status = self.child.wait().unwrap();
        assert_eq!(status.signal(), Some(9), "the server was not killed by SIGKILL but ended with {status}");
    }

    /// Sends SIGTERM: the server should drain its requests and exit.
    pub fn sigterm(&self) {
        let status = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status().unwrap();
        assert!(status.success(), "kill -TERM failed: {status}");
    }

    /// Waits for the process to exit on its own.
    pub async fn wait_exit(&mut self) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < EXIT_TIMEOUT, "the server did not exit within {EXIT_TIMEOUT:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGTERM, then a clean exit.
    pub async fn stop(&mut self) {
        self.sigterm();
        let status = self.wait_exit().await;
        assert!(status.success(), "the server did not exit cleanly after SIGTERM: {status}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Errors here only mean the process is gone already.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let output = std::fs::read_to_string(&self.log).unwrap_or_default();
            eprintln!("--- scimhub serve on port {} ({}) ---\n{output}--- end ---", self.port, self.log.display());
        } else {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// A port nobody listens on (bound once by the OS, then released for the server).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(IO_TIMEOUT).build().unwrap()
}

/// Runs the CLI on this database with this sealing key file, `stdin` as its input: whether it
/// succeeded, and what it printed on stdout and stderr.
pub fn run_cli(database_url: &str, key_file: &str, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_scimhub"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("SCIMHUB_SECRET_KEY_FILE", key_file)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

/// Creates the tenant and its bearer secret with the library, before any server runs.
pub async fn provision(database_url: &str, name: &str) -> (String, String) {
    let db = Db::connect(database_url).await.unwrap();
    let now_ms = i64::try_from(std::time::UNIX_EPOCH.elapsed().unwrap().as_millis()).unwrap();
    let t = tenant::insert(&db, name, Profile::Azure, now_ms).await.unwrap();
    let secret = Secret::generate("scimhub_");
    scimhub::db::credential::rotate_bearer(&db, &t.id, &secret.hash(), 0).await.unwrap();
    db.close().await;
    (t.id, secret.expose().to_owned())
}

/// What the load generator was told, complete answers only.
#[derive(Debug, Default)]
pub struct Acknowledged {
    /// userName → id, for every POST answered 2xx.
    pub created: HashMap<String, String>,
    /// id → displayName, for every PATCH answered 2xx.
    pub patched: HashMap<String, String>,
    /// Every userName a POST was sent for, answered or not.
    pub attempted: BTreeSet<String>,
    /// Complete answers that were not 2xx, and failures while the server was alive.
    pub unexpected: Vec<String>,
}

/// One load task: POSTs users with unique names and PATCHes every third one, until told to
/// stop or until the server is gone.
pub async fn write_load(
    worker: usize,
    base: String,
    token: String,
    acks: Arc<Mutex<Acknowledged>>,
    count: Arc<AtomicUsize>,
    killed: Arc<AtomicBool>,
) {
    let client = client();
    let fail = |what: String| {
        if !killed.load(Ordering::SeqCst) {
            acks.lock().unwrap().unexpected.push(what);
        }
    };
    for n in 0.. {
        if killed.load(Ordering::SeqCst) {
            return;
        }
        let user_name = format!("crash-{worker}-{n}@example.com");
        acks.lock().unwrap().attempted.insert(user_name.clone());
        let sent = client
            .post(format!("{base}/Users"))
            .bearer_auth(&token)
            .header("content-type", "application/scim+json")
            .body(entra_user(&user_name, &format!("crash-ext-{worker}-{n}")))
            .send()
            .await;
        let (status, body) = match sent {
            Ok(r) => (r.status(), r.bytes().await),
            Err(e) => return fail(format!("POST {user_name}: {e}")),
        };
        let body = match body {
            Ok(b) => serde_json::from_slice::<Value>(&b).unwrap_or(Value::Null),
            Err(e) => return fail(format!("POST {user_name}: reading the answer: {e}")),
        };
        if !status.is_success() || body["userName"] != user_name.as_str() {
            acks.lock().unwrap().unexpected.push(format!("POST {user_name}: {status} {body}"));
            return;
        }
        let Some(id) = body["id"].as_str().map(str::to_owned) else {
            acks.lock().unwrap().unexpected.push(format!("POST {user_name}: no id in {body}"));
            return;
        };
        acks.lock().unwrap().created.insert(user_name.clone(), id.clone());
        count.fetch_add(1, Ordering::SeqCst);

        if n % 3 != 0 {
            continue;
        }
        let display_name = format!("Patched {user_name}");
        let patch = json!({"schemas": [PATCH],
            "Operations": [{"op": "replace", "path": "displayName", "value": display_name}]});
        let sent = client
            .patch(format!("{base}/Users/{id}"))
            .bearer_auth(&token)
            .header("content-type", "application/scim+json")
            .body(patch.to_string())
            .send()
            .await;
        let (status, body) = match sent {
            Ok(r) => (r.status(), r.bytes().await),
            Err(e) => return fail(format!("PATCH {user_name}: {e}")),
        };
        let body = match body {
            Ok(b) => serde_json::from_slice::<Value>(&b).unwrap_or(Value::Null),
            Err(e) => return fail(format!("PATCH {user_name}: reading the answer: {e}")),
        };
        if !status.is_success() || body["displayName"] != display_name.as_str() {
            acks.lock().unwrap().unexpected.push(format!("PATCH {user_name}: {status} {body}"));
            return;
        }
        acks.lock().unwrap().patched.insert(id, display_name);
        count.fetch_add(1, Ordering::SeqCst);
    }
}
