//! Reading a result row by column name, whichever driver produced it: sqlx's `AnyRow`, a row
//! SQLite produced in place ([`super::direct`]) or one of PostgreSQL's pipelined connections
//! ([`super::pipelined`]). Each table decodes its rows once, through [`RowRead`].

use sqlx::any::AnyRow;
use sqlx::Row;
use tokio_postgres::types::Type;

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

impl RowRead for tokio_postgres::Row {
    fn opt_text(&self, column: &str) -> Result<Option<String>, sqlx::Error> {
        self.try_get(column).map_err(|e| pg_decode(column, e))
    }

    /// Any integer column, as sqlx's `AnyRow` reads them.
    fn opt_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error> {
        let read = match column_type(self, column) {
            Some(&Type::INT2) => self.try_get::<_, Option<i16>>(column).map(|v| v.map(i64::from)),
            Some(&Type::INT4) => self.try_get::<_, Option<i32>>(column).map(|v| v.map(i64::from)),
            _ => self.try_get::<_, Option<i64>>(column),
        };
        read.map_err(|e| pg_decode(column, e))
    }

    fn flag(&self, column: &str) -> Result<bool, sqlx::Error> {
        match column_type(self, column) {
            Some(&Type::BOOL) => self.try_get(column).map_err(|e| pg_decode(column, e)),
            _ => Ok(self.int(column)? != 0),
        }
    }
}

fn column_type<'r>(row: &'r tokio_postgres::Row, column: &str) -> Option<&'r Type> {
    row.columns().iter().find(|c| c.name() == column).map(|c| c.type_())
}

fn pg_decode(column: &str, e: tokio_postgres::Error) -> sqlx::Error {
    sqlx::Error::ColumnDecode { index: column.to_owned(), source: Box::new(e) }
}
