//! Dynamic SQL fragments with their bind values, for queries whose shape depends on input
//! (SCIM filters, log filters). Values are always bound, never spliced into the text.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::Any;

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// A real number.
    Float(f64),
    /// A flag.
    Bool(bool),
}

/// A boolean SQL expression and the values for its placeholders, numbered from a given start.
#[derive(Debug, Clone, PartialEq)]
pub struct Where {
    /// The expression text.
    pub sql: String,
    /// Values for its placeholders, in order.
    pub args: Vec<Arg>,
}

impl Where {
    /// The expression that is always true.
    pub fn all() -> Where {
        Where { sql: "1 = 1".into(), args: Vec::new() }
    }
}

/// A sort key for lists (`sortBy`/`sortOrder`): an expression built from the static schema
/// mappings, never from request text.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    /// The expression to sort by.
    pub key: String,
    /// Descending instead of ascending.
    pub descending: bool,
}

impl OrderBy {
    /// The `order by` terms: resources without a value sort last when ascending and first when
    /// descending (RFC 7644 §3.4.2.3), ties in creation order.
    pub fn terms(&self) -> String {
        let (nulls, dir) = if self.descending { ("desc", "desc") } else { ("asc", "asc") };
        format!("({key}) is null {nulls}, {key} {dir}, ", key = self.key)
    }
}

/// Binds `args` to `query` in order.
pub fn bind_all<'q>(mut query: Query<'q, Any, AnyArguments<'q>>, args: &[Arg]) -> Query<'q, Any, AnyArguments<'q>> {
    for arg in args {
        query = match arg {
            Arg::Text(s) => query.bind(s.clone()),
            Arg::Int(i) => query.bind(*i),
            Arg::Float(f) => query.bind(*f),
            Arg::Bool(b) => query.bind(*b),
        };
    }
    query
}

/// `$first, $first+1, …` — `n` numbered placeholders for an `in (…)` list or a row of values.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}
