//! What SQLite run in place ([`super::direct`]) and PostgreSQL pipelined ([`super::pipelined`])
//! report when they refuse a statement, as the sqlx database error the rest of the program
//! handles: a unique violation is one whichever driver hit it, and the edge maps it once.

use rusqlite::ffi;
use sqlx::error::{DatabaseError, ErrorKind};
use tokio_postgres::error::SqlState;

/// The code of a failure, in its driver's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// SQLite's extended result code.
    Sqlite(i32),
    /// PostgreSQL's SQLSTATE.
    Postgres(SqlState),
}

/// A failure a database reported, with its message.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    code: Code,
    message: String,
}

impl Failure {
    /// A failure with this code and message.
    pub fn new(code: Code, message: String) -> Failure {
        Failure { code, message }
    }

    /// A failure of SQLite's own making outside SQLite (reported as its generic error).
    pub fn sqlite_other(message: String) -> Failure {
        Failure::new(Code::Sqlite(ffi::SQLITE_ERROR), message)
    }

    /// SQLite's extended result code, if SQLite reported it.
    pub fn sqlite_code(&self) -> Option<i32> {
        match self.code {
            Code::Sqlite(code) => Some(code),
            Code::Postgres(_) => None,
        }
    }

    /// The same failure, as a sqlx error.
    pub fn into_sqlx(self) -> sqlx::Error {
        sqlx::Error::Database(Box::new(self))
    }
}

impl DatabaseError for Failure {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        Some(match &self.code {
            Code::Sqlite(code) => code.to_string().into(),
            Code::Postgres(state) => state.code().into(),
        })
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        match &self.code {
            Code::Sqlite(ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY) => {
                ErrorKind::UniqueViolation
            }
            Code::Sqlite(ffi::SQLITE_CONSTRAINT_FOREIGNKEY) => ErrorKind::ForeignKeyViolation,
            Code::Sqlite(ffi::SQLITE_CONSTRAINT_NOTNULL) => ErrorKind::NotNullViolation,
            Code::Sqlite(ffi::SQLITE_CONSTRAINT_CHECK) => ErrorKind::CheckViolation,
            Code::Postgres(state) if *state == SqlState::UNIQUE_VIOLATION => ErrorKind::UniqueViolation,
            Code::Postgres(state) if *state == SqlState::FOREIGN_KEY_VIOLATION => ErrorKind::ForeignKeyViolation,
            Code::Postgres(state) if *state == SqlState::NOT_NULL_VIOLATION => ErrorKind::NotNullViolation,
            Code::Postgres(state) if *state == SqlState::CHECK_VIOLATION => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}
