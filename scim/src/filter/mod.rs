//! SCIM filters (RFC 7644 §3.4.2.2): the syntax tree, a parser that never recurses (so no input
//! can exhaust the stack), canonical printing, and in-memory evaluation against JSON resources.
//!
//! The parser is an operator-precedence parser with explicit stacks: nesting (parentheses,
//! `not (...)`, value filters `[...]`) is limited by [`FilterLimits::max_depth`] while parsing,
//! and the height of any tree it returns is capped (see [`FilterLimits`]), so code that walks a
//! parsed filter recursively — printing, evaluation, SQL translation — has a bounded stack.
//!
//! Tolerances beyond the RFC grammar (all harmless):
//! - keywords and operators in any case, any run of ASCII whitespace where a space is required,
//!   and whitespace between an attribute and its `[`;
//! - Entra's `emails[type eq "work"].value eq "x"`: a value filter followed by a sub-attribute
//!   comparison. It parses to the equivalent `emails[type eq "work" and value eq "x"]` (an element
//!   must satisfy both), which is also how it prints.
//!
//! The module is split by concern: the syntax tree and limits live here, the parser in
//! `parser` (with bare literals in `literal`), canonical printing in `print` and in-memory
//! evaluation in `eval`.

use serde_json::Number;

use crate::path::AttrPath;

mod eval;
mod literal;
mod parser;
mod print;

pub use parser::parse;
pub(crate) use parser::parse_bracketed;

/// A comparison operator (RFC 7644 §3.4.2.2, table 3). Written in any case, printed lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains (strings only).
    Co,
    /// `sw`: starts with (strings only).
    Sw,
    /// `ew`: ends with (strings only).
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal to.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal to.
    Le,
}

impl CompareOp {
    /// Every operator, in the order of RFC 7644 §3.4.2.2, table 3.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    /// The operator's keyword, lowercase.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// The operator with this keyword, in any case.
    // RFC 7644 §3.4.2.2: compareOp = "eq" / "ne" / "co" / "sw" / "ew" / "gt" / "lt" / "ge" / "le"
    fn from_keyword(word: &str) -> Option<CompareOp> {
        CompareOp::ALL.into_iter().find(|op| op.as_str().eq_ignore_ascii_case(word))
    }
}

/// A comparison value: a JSON literal (RFC 7644 §3.4.2.2, `compValue`).
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number.
    Number(Number),
    /// A JSON string, unescaped.
    String(String),
}

/// A parsed filter (RFC 7644 §3.4.2.2).
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `path op value`.
    Compare {
        /// The attribute compared.
        path: AttrPath,
        /// The operator.
        op: CompareOp,
        /// The literal compared against.
        value: CompValue,
    },
    /// `path pr`: the attribute has a non-empty value.
    Present(AttrPath),
    /// `a and b`.
    And(Box<Filter>, Box<Filter>),
    /// `a or b`.
    Or(Box<Filter>, Box<Filter>),
    /// `not (a)`.
    Not(Box<Filter>),
    /// `emails[type eq "work" and value co "@x"]`; paths inside `filter` are relative to `path`'s
    /// elements. Entra's `emails[type eq "work"].value eq "x"` parses to
    /// `emails[type eq "work" and value eq "x"]`.
    ValuePath {
        /// The (multi-valued) attribute whose elements are filtered; never has a sub-attribute
        /// when parsed.
        path: AttrPath,
        /// The filter each element is tested with; never contains another `ValuePath` when
        /// parsed.
        filter: Box<Filter>,
    },
}

/// Limits that keep hostile filters cheap to reject.
///
/// Independently of these, a parsed filter's tree is never taller than 1024 nodes (a chain of
/// `or`s is as tall as it is long; with the default `max_length` no filter gets near that).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterLimits {
    /// The longest filter (or PATCH path) accepted, in characters.
    pub max_length: usize,
    /// The deepest nesting accepted; each `(...)`, `not (...)` and `[...]` is one level.
    pub max_depth: usize,
}

impl Default for FilterLimits {
    /// 4096 characters, 32 levels.
    fn default() -> Self {
        FilterLimits { max_length: 4096, max_depth: 32 }
    }
}

/// The tallest tree the parser builds (see [`FilterLimits`]).
const MAX_TREE_HEIGHT: usize = 1024;

#[cfg(test)]
mod tests;
