//! Backups of a running scimhub's database, and restoring one into an empty database.
//!
//! SQLite: `VACUUM INTO` on a connection of its own — a consistent copy of one read snapshot,
//! taken in WAL mode without holding up the server's writes — then `PRAGMA integrity_check` on
//! the copy. PostgreSQL: `pg_dump --format=custom` (one snapshot as well) and `pg_restore`, the
//! PostgreSQL client tools of the server's major version. The password of a PostgreSQL URL is
//! handed to them in `PGPASSWORD`, never on a command line others can read. Restoring refuses a
//! database that already holds scimhub's tables, and migrates a backup of an older version
//! forward by opening it.
//!
//! The key that seals outbound applications' credentials is not in the database (that is its
//! point): back it up apart (docs/operations.md).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::engine::sqlite_path;
use super::{Db, DbError};

/// Why a backup or a restore failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The backup file exists already (it is never overwritten).
    #[error("{0} exists already: choose a new file")]
    Exists(PathBuf),
    /// The backup file is missing or unreadable.
    #[error("cannot read the backup {0}")]
    Unreadable(PathBuf),
    /// The target database is not empty.
    #[error("the database {0} is not empty (it has scimhub's tables): restore into a new, empty database")]
    NotEmpty(String),
    /// SQLite's integrity check found damage.
    #[error("the integrity check of {path} failed: {report}")]
    Damaged {
        /// The file checked.
        path: PathBuf,
        /// What `PRAGMA integrity_check` said.
        report: String,
    },
    /// A PostgreSQL client tool failed.
    #[error("{tool} failed: {stderr}")]
    Tool {
        /// `pg_dump` or `pg_restore`.
        tool: &'static str,
        /// What it said.
        stderr: String,
    },
    /// The URL names no database scimhub can back up.
    #[error("{0} is not a sqlite:// file or a postgres:// URL")]
    Url(String),
    /// SQLite failed.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file operation failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Opening (and migrating) the restored database failed.
    #[error("opening the restored database: {0}")]
    Open(#[from] DbError),
    /// A query failed.
    #[error("database: {0}")]
    Query(#[from] sqlx::Error),
}

/// What a backup wrote.
#[derive(Debug)]
pub struct Backup {
    /// The file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Copies the database at `url` into the new file `to`, while the server may keep writing.
pub async fn backup(url: &str, to: &Path) -> Result<Backup, BackupError> {
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    if let Some(path) = sqlite_path(url) {
        let (source, target) = (PathBuf::from(path), to.to_owned());
        tokio::task::spawn_blocking(move || vacuum_into(&source, &target))
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))??;
    } else if is_postgres(url) {
        let (url, password) = without_password(url)?;
        let mut dump = Command::new("pg_dump");
        dump.args(["--format=custom", "--no-owner", "--file"]).arg(to).arg(format!("--dbname={url}"));
        run("pg_dump", dump, password.as_deref()).await?;
    } else {
        return Err(BackupError::Url(url.to_owned()));
    }
    Ok(Backup { path: to.to_owned(), bytes: std::fs::metadata(to)?.len() })
}

/// Restores the backup `from` into the empty database at `url`, then opens it (which applies
/// the migrations of this version to a backup of an older one).
pub async fn restore(url: &str, from: &Path) -> Result<(), BackupError> {
    if !from.is_file() {
        return Err(BackupError::Unreadable(from.to_owned()));
    }
    if let Some(path) = sqlite_path(url) {
        let (source, target) = (from.to_owned(), PathBuf::from(path));
        tokio::task::spawn_blocking(move || copy_checked(&source, &target))
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))??;
    } else if is_postgres(url) {
        if has_tables(url).await? {
            return Err(BackupError::NotEmpty(redacted(url)));
        }
        let (plain, password) = without_password(url)?;
        let mut load = Command::new("pg_restore");
        load.args(["--no-owner", "--exit-on-error", "--single-transaction"]).arg(format!("--dbname={plain}")).arg(from);
        run("pg_restore", load, password.as_deref()).await?;
    } else {
        return Err(BackupError::Url(url.to_owned()));
    }
    Db::connect(url).await?.close().await;
    Ok(())
}

/// `VACUUM INTO` from a connection of its own, then the copy's integrity check.
fn vacuum_into(source: &Path, target: &Path) -> Result<(), BackupError> {
    let connection = rusqlite::Connection::open_with_flags(source, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    connection.busy_timeout(std::time::Duration::from_secs(30))?;
    connection.execute("VACUUM INTO ?1", [target.to_string_lossy()])?;
    integrity(target)
}

/// `PRAGMA integrity_check` of a SQLite file: `ok`, or the damage.
pub fn integrity(path: &Path) -> Result<(), BackupError> {
    let connection = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let report: String = connection.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    match report.as_str() {
        "ok" => Ok(()),
        _ => Err(BackupError::Damaged { path: path.to_owned(), report }),
    }
}

/// Checks the backup, then puts it where the empty database is to be (through a temporary file
/// in the same directory, renamed, so a crash leaves no half-copied database).
fn copy_checked(source: &Path, target: &Path) -> Result<(), BackupError> {
    integrity(source)?;
    if target.exists() {
        let connection = rusqlite::Connection::open_with_flags(target, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let tables: i64 =
            connection.query_row("select count(*) from sqlite_master where type = 'table'", [], |r| r.get(0))?;
        if tables > 0 {
            return Err(BackupError::NotEmpty(target.display().to_string()));
        }
        drop(connection);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
        }
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let partial = target.with_extension("restoring");
    std::fs::copy(source, &partial)?;
    std::fs::rename(&partial, target)?;
    Ok(())
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Whether the PostgreSQL database has scimhub's tables already.
async fn has_tables(url: &str) -> Result<bool, BackupError> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await?;
    let found: i64 = sqlx::query_scalar(
        "select count(*) from information_schema.tables where table_schema = 'public' and table_name = '_sqlx_migrations'",
    )
    .fetch_one(&pool)
    .await?;
    pool.close().await;
    Ok(found > 0)
}

/// The URL without its password, and the password.
fn without_password(url: &str) -> Result<(String, Option<String>), BackupError> {
    let mut parsed = url::Url::parse(url).map_err(|_| BackupError::Url(url.to_owned()))?;
    let password = parsed.password().map(percent_decode);
    let _ = parsed.set_password(None);
    Ok((parsed.to_string(), password))
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("p={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// A URL as messages show it.
fn redacted(url: &str) -> String {
    without_password(url).map(|(u, _)| u).unwrap_or_else(|_| url.to_owned())
}

/// Runs a PostgreSQL client tool; its error output is the error.
async fn run(tool: &'static str, mut command: Command, password: Option<&str>) -> Result<(), BackupError> {
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?
        .map_err(|e| BackupError::Tool {
            tool,
            stderr: format!("cannot run {tool} (install PostgreSQL's client tools): {e}"),
        })?;
    match output.status.success() {
        true => Ok(()),
        false => Err(BackupError::Tool { tool, stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_leave_the_url_for_the_environment() {
        let (url, password) = without_password("postgres://scim:p%40ss@db.example:5432/scimhub").unwrap();
        assert_eq!((url.as_str(), password.as_deref()), ("postgres://scim@db.example:5432/scimhub", Some("p@ss")));
        assert_eq!(without_password("postgres://db/x").unwrap().1, None);
        assert_eq!(redacted("postgres://u:secret@h/d"), "postgres://u@h/d");
    }
}
