//! Reading a result row by column name, whichever driver produced it: sqlx's `AnyRow`, or a row
//! SQLite produced in place ([`super::direct`]). Each table decodes its rows once, through
//! [`RowRead`].

use sqlx::any::AnyRow;
use sqlx::Row;

/// A result row whose columns are read by name.
pub trait RowRead {
    /// A text column that may be NULL.
    fn opt_text(&self, column: &str) -> Result<Option<String>, sqlx::Error>;

    /// An integer column that may be NULL.
    fn opt_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error>;

    /// A flag column: BOOLEAN on PostgreSQL, 0/1 INTEGER on SQLite.
    fn flag(&self, column: &str) -> Result<bool, sqlx::Error>;

    /// A text column that is never NULL.
    fn text(&self, column: &str) -> Result<String, sqlx::Error> {
        self.opt_text(column)?.ok_or_else(|| unexpected_null(column))
    }

    /// An integer column that is never NULL.
    fn int(&self, column: &str) -> Result<i64, sqlx::Error> {
        self.opt_int(column)?.ok_or_else(|| unexpected_null(column))
    }
}

fn unexpected_null(column: &str) -> sqlx::Error {
    sqlx::Error::ColumnDecode { index: column.to_owned(), source: "unexpected NULL".into() }
}

impl RowRead for AnyRow {
    fn opt_text(&self, column: &str) -> Result<Option<String>, sqlx::Error> {
        self.try_get(column)
    }

    fn opt_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error> {
        self.try_get(column)
    }

    fn flag(&self, column: &str) -> Result<bool, sqlx::Error> {
        self.try_get::<bool, _>(column).or_else(|_| self.try_get::<i64, _>(column).map(|v| v != 0))
    }
}

impl RowRead for rusqlite::Row<'_> {
    fn opt_text(&self, column: &str) -> Result<Option<String>, sqlx::Error> {
        self.get(column).map_err(super::direct::error)
    }

    fn opt_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error> {
        self.get(column).map_err(super::direct::error)
    }

    fn flag(&self, column: &str) -> Result<bool, sqlx::Error> {
        self.get(column).map_err(super::direct::error)
    }
}
