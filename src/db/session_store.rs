//! A tower-sessions store on the `admin_session` table, so dashboard sessions survive restarts
//! and are shared by replicas. Written here rather than taken from tower-sessions-sqlx-store
//! because that crate needs typed pools per dialect, and scimhub reaches both dialects through
//! one `Any` pool and one set of migrations.
//!
//! The session id is the administrator's credential, so it is stored as its SHA-256 (hex), like
//! every other secret: every call hashes the id on the way in, and someone who reads the table
//! or a backup cannot take over a session.

use async_trait::async_trait;
use sqlx::Row;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};
use tower_sessions::SessionStore;

use super::Db;
use crate::clock::to_ms;

/// Sessions in the database.
#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    /// A store on this database.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Deletes expired sessions; returns how many.
    pub async fn delete_expired(&self, now_ms: i64) -> std::result::Result<u64, sqlx::Error> {
        let done = sqlx::query("delete from admin_session where expires_at <= $1")
            .bind(now_ms)
            .execute(self.db.writer())
            .await?;
        Ok(done.rows_affected())
    }
}

impl DbSessionStore {
    /// Inserts the record; `on_conflict` (static SQL) says what an existing id does. Returns
    /// the rows written.
    async fn insert(&self, record: &Record, on_conflict: &'static str) -> Result<u64> {
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        let sql = format!(
            "insert into admin_session (session_id, data, expires_at) values ($1, $2, $3) \
             on conflict (session_id) {on_conflict}"
        );
        let done = sqlx::query(&sql)
            .bind(key(&record.id))
            .bind(data)
            .bind(to_ms(record.expiry_date))
            .execute(self.db.writer())
            .await
            .map_err(backend)?;
        Ok(done.rows_affected())
    }
}

/// The key a session is stored under: the hash of its id.
fn key(id: &Id) -> String {
    crate::secret::SecretHash::of(&id.to_string()).as_str().to_owned()
}

fn backend(e: impl std::fmt::Display) -> Error {
    Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // A fresh random id; on the (astronomically unlikely) collision, draw again.
        while self.insert(record, "do nothing").await? == 0 {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.insert(record, "do update set data = excluded.data, expires_at = excluded.expires_at").await?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let row = sqlx::query("select data, expires_at from admin_session where session_id = $1 and expires_at > $2")
            .bind(key(id))
            .bind(to_ms(time::OffsetDateTime::now_utc()))
            .fetch_optional(self.db.reader())
            .await
            .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let data: String = row.try_get("data").map_err(backend)?;
        let expires_at: i64 = row.try_get("expires_at").map_err(backend)?;
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?,
            expiry_date: crate::clock::from_ms(expires_at),
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        sqlx::query("delete from admin_session where session_id = $1")
            .bind(key(id))
            .execute(self.db.writer())
            .await
            .map_err(backend)?;
        Ok(())
    }
}
