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

use std::cmp::Ordering;
use std::fmt;

use serde_json::{Number, Value};
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::error::ScimError;
use crate::path::{self, AttrPath};
use crate::schema::{AttrType, AttributeDef, Mutability, ResourceSchema, Returned, Uniqueness};

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
        const ALL: [CompareOp; 9] = [
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
        ALL.into_iter().find(|op| op.as_str().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for CompareOp {
    /// The lowercase keyword.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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

impl fmt::Display for CompValue {
    /// The value as a JSON literal (strings quoted and escaped).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::String(s) => write_json_string(f, s),
        }
    }
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

/// Parses a filter. Errors are 400 `invalidFilter` whose detail says what was expected and the
/// position (0-based, in characters) where the problem was found.
pub fn parse(input: &str, limits: &FilterLimits) -> Result<Filter, ScimError> {
    if path::exceeds(input, limits.max_length) {
        return Err(ScimError::invalid_filter(format!(
            "the filter is longer than the limit of {} characters",
            limits.max_length
        )));
    }
    let mut parser = Parser { src: input, pos: 0, max_depth: limits.max_depth };
    parser.run(None).map(|(filter, _)| filter).map_err(|e| ScimError::invalid_filter(e.render(input)))
}

/// Parses the value filter of a PATCH path: `input[open]` is the `[`; returns the filter and the
/// byte offset just after the matching `]`. The error is a rendered message.
pub(crate) fn parse_bracketed(input: &str, open: usize, limits: &FilterLimits) -> Result<(Filter, usize), String> {
    let mut parser = Parser { src: input, pos: open + 1, max_depth: limits.max_depth };
    parser.run(Some(open)).map_err(|e| e.render(input))
}

impl fmt::Display for Filter {
    /// Canonical form: lowercase keywords, single spaces, JSON literals, and parentheses only
    /// where precedence needs them (`and` binds tighter than `or`; both group to the left).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::And(l, r) => {
                write_operand(f, l, matches!(**l, Filter::Or(..)))?;
                f.write_str(" and ")?;
                write_operand(f, r, matches!(**r, Filter::Or(..) | Filter::And(..)))
            }
            Filter::Or(l, r) => {
                write_operand(f, l, false)?;
                f.write_str(" or ")?;
                write_operand(f, r, matches!(**r, Filter::Or(..)))
            }
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::ValuePath { path, filter } => write!(f, "{path}[{filter}]"),
        }
    }
}

fn write_operand(f: &mut fmt::Formatter<'_>, filter: &Filter, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({filter})")
    } else {
        write!(f, "{filter}")
    }
}

/// Writes `s` as a JSON string literal.
fn write_json_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    use fmt::Write;
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if u32::from(c) < 0x20 => write!(f, "\\u{:04x}", u32::from(c))?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// A syntax error: a byte offset into the input and a message.
#[derive(Debug)]
struct SyntaxError {
    pos: usize,
    msg: String,
}

impl SyntaxError {
    fn render(&self, src: &str) -> String {
        let chars = src.get(..self.pos).map_or(self.pos, |p| p.chars().count());
        format!("{} (at position {chars})", self.msg)
    }
}

/// What opened a nesting level.
#[derive(Debug)]
enum Group {
    /// `(`.
    Paren,
    /// `not (`.
    Not,
    /// `attr[` inside a filter.
    ValuePath(AttrPath),
    /// The `[` of a PATCH path: its `]` ends parsing.
    Outer,
}

/// An entry of the operator stack.
#[derive(Debug)]
enum Op {
    And,
    Or,
    Open { pos: usize, group: Group },
}

/// A subtree with its height.
struct Node {
    filter: Filter,
    height: usize,
}

const OPERATORS: &str = "eq, ne, co, sw, ew, gt, ge, lt, le or pr";

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    max_depth: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, pos: usize, msg: impl Into<String>) -> SyntaxError {
        SyntaxError { pos, msg: msg.into() }
    }

    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    /// A maximal run of non-delimiter bytes. Delimiters are ASCII, so the slice boundaries are
    /// always character boundaries.
    fn word(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(|b| !is_delimiter(b)) {
            self.pos += 1;
        }
        self.src.get(start..self.pos).unwrap_or_default()
    }

    /// Describes what is at `pos`, for "found ..." in messages.
    fn found(&self, pos: usize) -> String {
        let rest = self.src.get(pos..).unwrap_or_default();
        match rest.as_bytes().first() {
            None => "the end of the filter".to_string(),
            Some(b'"') => "a string".to_string(),
            Some(&b) if is_delimiter(b) => format!("'{}'", char::from(b)),
            Some(_) => {
                let end = rest.find(|c: char| c.is_ascii() && is_delimiter(c as u8)).unwrap_or(rest.len());
                format!("'{}'", path::excerpt(rest.get(..end).unwrap_or_default()))
            }
        }
    }

    /// Runs the parser from `self.pos`. With `outer` (the offset of a PATCH path's `[`), parsing
    /// stops after the matching `]`; otherwise at the end of the input.
    // RFC 7644 §3.4.2.2, figure 1:
    //   FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
    //   logExp    = FILTER SP ("and" / "or") SP FILTER
    //   valuePath = attrPath "[" valFilter "]"
    //   valFilter = attrExp / logExp / *1"not" "(" valFilter ")"
    // with "and" binding tighter than "or" (RFC 7644 §3.4.2.2, table 5).
    fn run(&mut self, outer: Option<usize>) -> Result<(Filter, usize), SyntaxError> {
        let mut operands: Vec<Node> = Vec::new();
        let mut ops: Vec<Op> = Vec::new();
        let mut depth = 0usize;
        if let Some(pos) = outer {
            self.open(&mut ops, &mut depth, pos, Group::Outer)?;
        }
        let mut want_operand = true;
        loop {
            self.skip_ws();
            let start = self.pos;
            if want_operand {
                match self.peek() {
                    None if operands.is_empty() && ops.is_empty() => {
                        return Err(self.err(start, "the filter is empty"));
                    }
                    Some(b'(') => {
                        self.pos += 1;
                        self.open(&mut ops, &mut depth, start, Group::Paren)?;
                    }
                    Some(b) if !is_delimiter(b) => {
                        let word = self.word();
                        if word.eq_ignore_ascii_case("not") {
                            let after = self.pos;
                            self.skip_ws();
                            if self.peek() == Some(b'(') {
                                self.pos += 1;
                                self.open(&mut ops, &mut depth, start, Group::Not)?;
                                continue;
                            }
                            self.pos = after;
                        }
                        let attr = path::parse_attr_path(word).map_err(|msg| self.err(start, msg))?;
                        let after = self.pos;
                        self.skip_ws();
                        if self.peek() == Some(b'[') {
                            let bracket = self.pos;
                            if attr.sub_attr.is_some() {
                                return Err(self.err(
                                    bracket,
                                    "a value filter '[...]' must follow an attribute name without a sub-attribute",
                                ));
                            }
                            let nested = ops
                                .iter()
                                .any(|op| matches!(op, Op::Open { group: Group::ValuePath(_) | Group::Outer, .. }));
                            if nested {
                                return Err(self.err(bracket, "value filters cannot be nested ('[' inside '[...]')"));
                            }
                            self.pos += 1;
                            self.open(&mut ops, &mut depth, bracket, Group::ValuePath(attr))?;
                            continue;
                        }
                        self.pos = after;
                        operands.push(self.attr_exp(attr, start)?);
                        want_operand = false;
                    }
                    _ => {
                        return Err(self.err(
                            start,
                            format!("expected an attribute path, '(' or 'not', found {}", self.found(start)),
                        ));
                    }
                }
                continue;
            }
            match self.peek() {
                None => {
                    reduce(&mut ops, &mut operands, true).map_err(|msg| self.err(start, msg))?;
                    return match ops.last() {
                        Some(Op::Open { pos, group: Group::Paren | Group::Not }) => {
                            Err(self.err(*pos, "unbalanced '(': the filter ends before its ')'"))
                        }
                        Some(Op::Open { pos, .. }) => {
                            Err(self.err(*pos, "unbalanced '[': the filter ends before its ']'"))
                        }
                        _ => {
                            let node = single(operands).map_err(|msg| self.err(start, msg))?;
                            Ok((node.filter, self.pos))
                        }
                    };
                }
                Some(b')') => {
                    self.pos += 1;
                    reduce(&mut ops, &mut operands, true).map_err(|msg| self.err(start, msg))?;
                    match ops.pop() {
                        Some(Op::Open { group: Group::Paren, .. }) => {}
                        Some(Op::Open { group: Group::Not, .. }) => {
                            let inner = operands.pop().ok_or_else(|| self.err(start, INTERNAL))?;
                            operands.push(self.node(start, Filter::Not(Box::new(inner.filter)), inner.height + 1)?);
                        }
                        Some(Op::Open { pos, .. }) => {
                            return Err(self.err(
                                start,
                                format!("expected ']' to close the '[' at position {}, found ')'", self.chars(pos)),
                            ));
                        }
                        _ => return Err(self.err(start, "unbalanced ')': there is no '(' to close")),
                    }
                    depth = depth.saturating_sub(1);
                }
                Some(b']') => {
                    self.pos += 1;
                    reduce(&mut ops, &mut operands, true).map_err(|msg| self.err(start, msg))?;
                    match ops.pop() {
                        Some(Op::Open { group: Group::ValuePath(attr), .. }) => {
                            let inner = operands.pop().ok_or_else(|| self.err(start, INTERNAL))?;
                            let inner = self.entra_sub_attr(inner)?;
                            let filter = Filter::ValuePath { path: attr, filter: Box::new(inner.filter) };
                            operands.push(self.node(start, filter, inner.height + 1)?);
                        }
                        Some(Op::Open { group: Group::Outer, .. }) => {
                            let node = single(operands).map_err(|msg| self.err(start, msg))?;
                            return Ok((node.filter, self.pos));
                        }
                        Some(Op::Open { pos, .. }) => {
                            return Err(self.err(
                                start,
                                format!("expected ')' to close the '(' at position {}, found ']'", self.chars(pos)),
                            ));
                        }
                        _ => return Err(self.err(start, "unbalanced ']': there is no '[' to close")),
                    }
                    depth = depth.saturating_sub(1);
                }
                Some(b) if !is_delimiter(b) => {
                    let word = self.word();
                    if word.eq_ignore_ascii_case("and") {
                        reduce(&mut ops, &mut operands, false).map_err(|msg| self.err(start, msg))?;
                        ops.push(Op::And);
                        want_operand = true;
                    } else if word.eq_ignore_ascii_case("or") {
                        reduce(&mut ops, &mut operands, true).map_err(|msg| self.err(start, msg))?;
                        ops.push(Op::Or);
                        want_operand = true;
                    } else {
                        return Err(self.unexpected(&ops, start));
                    }
                }
                Some(_) => return Err(self.unexpected(&ops, start)),
            }
        }
    }

    fn node(&self, pos: usize, filter: Filter, height: usize) -> Result<Node, SyntaxError> {
        node(filter, height).map_err(|msg| self.err(pos, msg))
    }

    fn chars(&self, pos: usize) -> usize {
        self.src.get(..pos).map_or(pos, |p| p.chars().count())
    }

    /// The error for an unexpected token where `and`, `or` or a closing bracket could follow.
    fn unexpected(&self, ops: &[Op], pos: usize) -> SyntaxError {
        let innermost = ops.iter().rev().find_map(|op| match op {
            Op::Open { group, .. } => Some(group),
            _ => None,
        });
        let expected = match innermost {
            None => "'and', 'or' or the end of the filter",
            Some(Group::Paren | Group::Not) => "'and', 'or' or ')'",
            Some(_) => "'and', 'or' or ']'",
        };
        self.err(pos, format!("expected {expected}, found {}", self.found(pos)))
    }

    fn open(&self, ops: &mut Vec<Op>, depth: &mut usize, pos: usize, group: Group) -> Result<(), SyntaxError> {
        *depth += 1;
        if *depth > self.max_depth {
            return Err(
                self.err(pos, format!("the filter is nested deeper than the limit of {} levels", self.max_depth))
            );
        }
        ops.push(Op::Open { pos, group });
        Ok(())
    }

    /// After a value filter's `]`: Entra's `.sub op value` / `.sub pr`, folded into the filter.
    fn entra_sub_attr(&mut self, inner: Node) -> Result<Node, SyntaxError> {
        if self.peek() != Some(b'.') {
            return Ok(inner);
        }
        let start = self.pos;
        self.pos += 1;
        let name = self.word();
        if !path::is_attr_name(name) {
            return Err(
                self.err(start, format!("expected a sub-attribute name after '].', found {}", self.found(start + 1)))
            );
        }
        let cmp = self.attr_exp(AttrPath::simple(name), start)?;
        self.node(start, Filter::And(Box::new(inner.filter), Box::new(cmp.filter)), inner.height.max(cmp.height) + 1)
    }

    /// The operator and value after an attribute path.
    // RFC 7644 §3.4.2.2: attrExp = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
    fn attr_exp(&mut self, attr: AttrPath, attr_start: usize) -> Result<Node, SyntaxError> {
        self.skip_ws();
        let op_start = self.pos;
        let word = match self.peek() {
            Some(b) if !is_delimiter(b) => self.word(),
            _ => {
                return Err(self.err(
                    op_start,
                    format!("expected an operator ({OPERATORS}) after '{attr}', found {}", self.found(op_start)),
                ));
            }
        };
        if word.eq_ignore_ascii_case("pr") {
            let after = self.pos;
            self.skip_ws();
            let value_start = self.pos;
            let has_value = match self.peek() {
                Some(b'"') => true,
                Some(b) if !is_delimiter(b) => literal(self.word()).is_ok(),
                _ => false,
            };
            if has_value {
                return Err(self.err(value_start, "'pr' takes no value"));
            }
            self.pos = after;
            return self.node(attr_start, Filter::Present(attr), 1);
        }
        let Some(op) = CompareOp::from_keyword(word) else {
            if attr.urn.is_none() && attr.sub_attr.is_none() {
                // A keyword read as an attribute name: say what was meant.
                if attr.attr.eq_ignore_ascii_case("not") {
                    return Err(self.err(attr_start, "expected '(' after 'not'"));
                }
                if attr.attr.eq_ignore_ascii_case("and") || attr.attr.eq_ignore_ascii_case("or") {
                    return Err(self
                        .err(attr_start, format!("expected an attribute path, '(' or 'not', found '{}'", attr.attr)));
                }
            }
            return Err(
                self.err(op_start, format!("unknown operator '{}', expected one of {OPERATORS}", path::excerpt(word)))
            );
        };
        self.skip_ws();
        let value_start = self.pos;
        let value = match self.peek() {
            Some(b'"') => CompValue::String(self.string_literal()?),
            Some(b) if !is_delimiter(b) => {
                let word = self.word();
                literal(word).map_err(|msg| self.err(value_start, msg))?
            }
            None | Some(b')' | b']') => {
                return Err(self.err(value_start, format!("missing value after '{attr} {op}'")));
            }
            Some(_) => {
                return Err(self.err(
                    value_start,
                    format!(
                        "expected a value (a quoted string, a number, true, false or null), found {}",
                        self.found(value_start)
                    ),
                ));
            }
        };
        self.node(attr_start, Filter::Compare { path: attr, op, value }, 1)
    }

    /// A JSON string literal starting at the current `"`.
    // RFC 7644 §3.4.2.2: compValue string = JSON string (RFC 7159 §7)
    fn string_literal(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let mut i = start + 1;
        loop {
            match bytes.get(i) {
                None => return Err(self.err(start, "unterminated string: missing closing '\"'")),
                Some(b'\\') => i += 2,
                Some(b'"') => break,
                Some(_) => i += 1,
            }
        }
        self.pos = i + 1;
        let raw = self.src.get(start..=i).unwrap_or_default();
        serde_json::from_str::<String>(raw).map_err(|e| self.err(start, format!("invalid string literal: {e}")))
    }
}

const INTERNAL: &str = "internal parser error";

fn is_delimiter(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'(' | b')' | b'[' | b']' | b'"')
}

fn node(filter: Filter, height: usize) -> Result<Node, String> {
    if height > MAX_TREE_HEIGHT {
        return Err(format!("the filter is too complex (more than {MAX_TREE_HEIGHT} nested operations)"));
    }
    Ok(Node { filter, height })
}

/// Pops pending `and`s (and `or`s too with `or_too`) into operands, left to right.
fn reduce(ops: &mut Vec<Op>, operands: &mut Vec<Node>, or_too: bool) -> Result<(), String> {
    loop {
        let is_and = match ops.last() {
            Some(Op::And) => true,
            Some(Op::Or) if or_too => false,
            _ => return Ok(()),
        };
        ops.pop();
        let (Some(r), Some(l)) = (operands.pop(), operands.pop()) else {
            return Err(INTERNAL.to_string());
        };
        let height = l.height.max(r.height) + 1;
        let filter = if is_and {
            Filter::And(Box::new(l.filter), Box::new(r.filter))
        } else {
            Filter::Or(Box::new(l.filter), Box::new(r.filter))
        };
        operands.push(node(filter, height)?);
    }
}

fn single(mut operands: Vec<Node>) -> Result<Node, String> {
    match (operands.pop(), operands.is_empty()) {
        (Some(node), true) => Ok(node),
        _ => Err(INTERNAL.to_string()),
    }
}

/// A bare (unquoted) value: `true`, `false`, `null` in any case, or a JSON number.
// RFC 7644 §3.4.2.2: compValue = false / null / true / number / string (RFC 7159 §3, §6)
fn literal(word: &str) -> Result<CompValue, String> {
    if word.eq_ignore_ascii_case("true") {
        Ok(CompValue::Bool(true))
    } else if word.eq_ignore_ascii_case("false") {
        Ok(CompValue::Bool(false))
    } else if word.eq_ignore_ascii_case("null") {
        Ok(CompValue::Null)
    } else if is_json_number(word) {
        number(word)
            .map(CompValue::Number)
            .ok_or_else(|| format!("the number '{}' is out of range", path::excerpt(word)))
    } else {
        Err(format!("invalid value '{}': expected a quoted string, a number, true, false or null", path::excerpt(word)))
    }
}

/// Whether `s` matches RFC 7159 §6: `-? (0 / [1-9] DIGIT*) ("." DIGIT+)? ([eE] [+-]? DIGIT+)?`.
fn is_json_number(s: &str) -> bool {
    fn digits(b: &[u8]) -> usize {
        b.iter().take_while(|b| b.is_ascii_digit()).count()
    }
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i += digits(b.get(i..).unwrap_or_default()),
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        let n = digits(b.get(i + 1..).unwrap_or_default());
        if n == 0 {
            return false;
        }
        i += 1 + n;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = digits(b.get(i..).unwrap_or_default());
        if n == 0 {
            return false;
        }
        i += n;
    }
    i == b.len()
}

/// Converts a valid JSON number. Integers stay integers where they fit; everything else goes
/// through Rust's correctly rounded `f64` parser, so printing and re-parsing is exact.
fn number(s: &str) -> Option<Number> {
    if !s.contains(['.', 'e', 'E']) {
        if let Ok(n) = s.parse::<u64>() {
            return Some(Number::from(n));
        }
        if let Ok(n) = s.parse::<i64>() {
            return Some(Number::from(n));
        }
    }
    s.parse::<f64>().ok().and_then(Number::from_f64)
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/// `schemas` is not a schema attribute but RFC 7644 §3.4.2.2 filters on it
/// (`schemas eq "urn:...:enterprise:2.0:User"`); evaluation treats it as this.
const SCHEMAS_DEF: AttributeDef = AttributeDef {
    name: "schemas",
    ty: AttrType::Reference,
    multi_valued: true,
    required: true,
    case_exact: false,
    mutability: Mutability::ReadOnly,
    returned: Returned::Always,
    uniqueness: Uniqueness::None,
    description: "The schema URNs of the resource.",
    canonical_values: &[],
    reference_types: &["uri"],
    sub_attributes: &[],
    open: false,
};

static NULL: Value = Value::Null;

/// How much of a complex value `pr` inspects before calling it present.
const PRESENT_DEPTH: usize = 4;

/// Where attribute paths are resolved.
#[derive(Clone, Copy)]
enum Scope<'s> {
    /// Top-level paths of a resource.
    Resource(&'s ResourceSchema),
    /// Paths relative to one element of this multi-valued attribute.
    Element(&'s AttributeDef),
}

/// The value an attribute path addresses in a JSON document.
struct Located<'v, 'd> {
    /// The top-level (or, in an element, the sub-attribute's) value; `null` when absent.
    value: &'v Value,
    /// Its definition.
    def: &'d AttributeDef,
    /// The sub-attribute the path names inside `value`.
    sub: Option<&'d AttributeDef>,
}

impl Filter {
    /// In-memory evaluation against a JSON resource (used by PATCH value filters and by tests).
    /// Schema gives caseExact and types.
    ///
    /// Semantics: strings compare by the attribute's `caseExact` (case-insensitive ones through
    /// Unicode lowercase); `co`/`sw`/`ew` apply to strings only; `gt`/`ge`/`lt`/`le` order
    /// strings by code point, numbers numerically and dateTimes as instants; booleans only `eq`
    /// and `ne`. A multi-valued attribute matches when any value matches; a complex attribute
    /// without a sub-attribute compares its `value` sub-attribute. `pr` means present and not
    /// null, `""`, `[]` or `{}`. An absent attribute matches nothing except `eq null`; a value of
    /// another JSON type than the literal never matches (no coercion, not even for `ne`). An
    /// unknown attribute matches nothing (`schemas` is known).
    pub fn matches(&self, resource: &Value, schema: &ResourceSchema) -> bool {
        eval(self, resource, Scope::Resource(schema))
    }

    /// Evaluate a value-path inner filter against one element of a multi-valued complex
    /// attribute whose def is `parent`. Paths name sub-attributes of `parent` (`type`, `value`);
    /// for a multi-valued attribute of simple values, `value` is the element itself.
    pub fn matches_element(&self, element: &Value, parent: &AttributeDef) -> bool {
        eval(self, element, Scope::Element(parent))
    }
}

fn eval(filter: &Filter, json: &Value, scope: Scope<'_>) -> bool {
    match filter {
        Filter::And(l, r) => eval(l, json, scope) && eval(r, json, scope),
        Filter::Or(l, r) => eval(l, json, scope) || eval(r, json, scope),
        Filter::Not(inner) => !eval(inner, json, scope),
        Filter::Present(path) => locate(path, json, scope).is_some_and(|at| match at.sub {
            Some(sub) => elements(at.value).any(|el| is_present(get_ci(el, sub.name), PRESENT_DEPTH)),
            None => is_present(at.value, PRESENT_DEPTH),
        }),
        Filter::Compare { path, op, value } => {
            locate(path, json, scope).is_some_and(|at| compare_all(&candidates(&at), *op, value))
        }
        Filter::ValuePath { path, filter } => {
            let Scope::Resource(_) = scope else { return false };
            match locate(path, json, scope) {
                Some(Located { value, def, sub: None }) => match value {
                    Value::Null => false,
                    Value::Array(items) => items.iter().any(|el| eval(filter, el, Scope::Element(def))),
                    one => eval(filter, one, Scope::Element(def)),
                },
                _ => false,
            }
        }
    }
}

/// Finds what `path` addresses; None when the attribute is unknown.
fn locate<'v, 'd>(path: &AttrPath, json: &'v Value, scope: Scope<'d>) -> Option<Located<'v, 'd>> {
    match scope {
        Scope::Resource(schema) => {
            let Some(resolved) = path.resolve_full(schema) else {
                let is_schemas =
                    path.urn.is_none() && path.sub_attr.is_none() && path.attr.eq_ignore_ascii_case("schemas");
                return is_schemas.then(|| Located { value: get_ci(json, "schemas"), def: &SCHEMAS_DEF, sub: None });
            };
            let container =
                if std::ptr::eq(resolved.owner, schema.core) { json } else { get_ci(json, resolved.owner.id) };
            Some(Located { value: get_ci(container, resolved.top.name), def: resolved.top, sub: resolved.sub })
        }
        Scope::Element(parent) => {
            if path.urn.is_some() || path.sub_attr.is_some() {
                return None;
            }
            if parent.ty == AttrType::Complex {
                let def = parent.sub_attribute(&path.attr)?;
                Some(Located { value: get_ci(json, def.name), def, sub: None })
            } else if path.attr.eq_ignore_ascii_case("value") {
                Some(Located { value: json, def: parent, sub: None })
            } else {
                None
            }
        }
    }
}

/// The scalar values a comparison looks at, each with its definition.
fn candidates<'v, 'd>(at: &Located<'v, 'd>) -> Vec<(&'v Value, &'d AttributeDef)> {
    let sub = match at.sub {
        Some(sub) => Some(sub),
        None if at.def.ty == AttrType::Complex && !at.def.open => match at.def.sub_attribute("value") {
            Some(value) => Some(value),
            None => return Vec::new(),
        },
        None => None,
    };
    let mut out = Vec::new();
    for el in elements(at.value) {
        match sub {
            Some(sub) => out.extend(elements(get_ci(el, sub.name)).map(|v| (v, sub))),
            None => out.push((el, at.def)),
        }
    }
    out
}

/// The elements of an array, or the value itself.
fn elements(value: &Value) -> impl Iterator<Item = &Value> {
    let (items, one) = match value {
        Value::Array(items) => (items.as_slice(), None),
        one => (&[][..], Some(one)),
    };
    items.iter().chain(one)
}

/// The member `key` of an object, matched case-insensitively (exact spelling first); `null`
/// when absent or when `value` is not an object.
fn get_ci<'v>(value: &'v Value, key: &str) -> &'v Value {
    let Some(map) = value.as_object() else { return &NULL };
    map.get(key).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)).unwrap_or(&NULL)
}

// RFC 7644 §3.4.2.2: "pr": "If the attribute has a non-empty value, or if it contains a
// non-empty node for complex attributes, there is a match."
fn is_present(value: &Value, depth: usize) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        _ if depth == 0 => true,
        Value::Array(items) => items.iter().any(|v| is_present(v, depth - 1)),
        Value::Object(map) => map.values().any(|v| is_present(v, depth - 1)),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn compare_all(candidates: &[(&Value, &AttributeDef)], op: CompareOp, literal: &CompValue) -> bool {
    match (literal, op) {
        // An unassigned attribute is null (RFC 7643 §2.5).
        (CompValue::Null, CompareOp::Eq) => candidates.iter().all(|(v, _)| v.is_null()),
        (CompValue::Null, CompareOp::Ne) => candidates.iter().any(|(v, _)| !v.is_null()),
        (CompValue::Null, _) => false,
        _ => candidates.iter().any(|(v, def)| compare_one(v, def, op, literal)),
    }
}

fn compare_one(value: &Value, def: &AttributeDef, op: CompareOp, literal: &CompValue) -> bool {
    match (literal, value) {
        (CompValue::Bool(want), Value::Bool(have)) => match op {
            CompareOp::Eq => have == want,
            CompareOp::Ne => have != want,
            _ => false,
        },
        (CompValue::Number(want), Value::Number(have)) => {
            compare_numbers(have, want).is_some_and(|ord| ordering_holds(op, ord))
        }
        (CompValue::String(want), Value::String(have)) => {
            let ordering = !matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
            if def.ty == AttrType::DateTime && ordering {
                return match (instant(have), instant(want)) {
                    (Some(have), Some(want)) => ordering_holds(op, have.cmp(&want)),
                    _ => false,
                };
            }
            if matches!(def.ty, AttrType::Binary | AttrType::Boolean) && !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                return false;
            }
            if def.case_exact {
                compare_strings(have, want, op)
            } else {
                compare_strings(&have.to_lowercase(), &want.to_lowercase(), op)
            }
        }
        _ => false,
    }
}

fn compare_strings(have: &str, want: &str, op: CompareOp) -> bool {
    match op {
        CompareOp::Co => have.contains(want),
        CompareOp::Sw => have.starts_with(want),
        CompareOp::Ew => have.ends_with(want),
        _ => ordering_holds(op, have.cmp(want)),
    }
}

fn ordering_holds(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(a), Some(b)) = (a.as_i64(), b.as_i64()) {
        return Some(a.cmp(&b));
    }
    if let (Some(a), Some(b)) = (a.as_u64(), b.as_u64()) {
        return Some(a.cmp(&b));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// An xsd:dateTime as an instant: RFC 3339, or ISO 8601 without an offset taken as UTC.
fn instant(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(s, &Iso8601::DEFAULT))
        .ok()
        .or_else(|| PrimitiveDateTime::parse(s, &Iso8601::DEFAULT).ok().map(PrimitiveDateTime::assume_utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ScimType;
    use crate::schema::{ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE, USER, USER_RESOURCE};
    use proptest::prelude::*;
    use serde_json::json;

    fn p(input: &str) -> Filter {
        match parse(input, &FilterLimits::default()) {
            Ok(f) => f,
            Err(e) => panic!("{input}: {}", e.detail),
        }
    }

    fn err(input: &str) -> String {
        let e = parse(input, &FilterLimits::default()).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidFilter), "{input}");
        assert_eq!(e.status, 400);
        e.detail
    }

    fn canonical(input: &str) -> String {
        p(input).to_string()
    }

    fn present(name: &str) -> Filter {
        Filter::Present(AttrPath::simple(name))
    }

    fn eq_str(name: &str, value: &str) -> Filter {
        Filter::Compare {
            path: AttrPath::parse(name).unwrap(),
            op: CompareOp::Eq,
            value: CompValue::String(value.into()),
        }
    }

    fn and(l: Filter, r: Filter) -> Filter {
        Filter::And(Box::new(l), Box::new(r))
    }

    fn or(l: Filter, r: Filter) -> Filter {
        Filter::Or(Box::new(l), Box::new(r))
    }

    const ROOMY: FilterLimits = FilterLimits { max_length: usize::MAX, max_depth: 100 };

    #[test]
    fn rfc7644_3_4_2_2_examples_parse_and_print_canonically() {
        let examples: Vec<Value> =
            serde_json::from_str(include_str!("../tests/fixtures/filter/rfc7644-3.4.2.2-examples.json")).unwrap();
        assert_eq!(examples.len(), 19);
        for example in examples {
            let input = example["filter"].as_str().unwrap();
            let printed = canonical(input);
            assert_eq!(printed, example["canonical"].as_str().unwrap());
            assert_eq!(p(&printed), p(input), "{input}");
            assert_eq!(canonical(&printed), printed, "printing is idempotent");
        }
    }

    #[test]
    fn and_binds_tighter_than_or_and_both_group_left() {
        assert_eq!(p("a pr or b pr and c pr"), or(present("a"), and(present("b"), present("c"))));
        assert_eq!(p("a pr and b pr or c pr"), or(and(present("a"), present("b")), present("c")));
        assert_eq!(p("(a pr or b pr) and c pr"), and(or(present("a"), present("b")), present("c")));
        assert_eq!(p("a pr or b pr or c pr"), or(or(present("a"), present("b")), present("c")));
        assert_eq!(p("a pr and b pr and c pr"), and(and(present("a"), present("b")), present("c")));
        assert_eq!(canonical("a pr and (b pr and c pr)"), "a pr and (b pr and c pr)");
        assert_eq!(canonical("a pr or (b pr or c pr)"), "a pr or (b pr or c pr)");
        assert_eq!(canonical("(a pr and b pr) or (c pr and d pr)"), "a pr and b pr or c pr and d pr");
        assert_eq!(canonical("a pr and (b pr or c pr) and d pr"), "a pr and (b pr or c pr) and d pr");
    }

    #[test]
    fn not_and_nested_parentheses() {
        assert_eq!(p("not (a pr)"), Filter::Not(Box::new(present("a"))));
        assert_eq!(p("NOT(a pr)"), Filter::Not(Box::new(present("a"))));
        assert_eq!(p("((((a pr))))"), present("a"));
        assert_eq!(canonical("not ((a pr or b pr) and not (c pr))"), "not ((a pr or b pr) and not (c pr))");
        assert_eq!(canonical("a pr and not (b pr) or c pr"), "a pr and not (b pr) or c pr");
        // An attribute may be called `not`: only `not (` is the operator.
        assert_eq!(p("not pr"), present("not"));
        assert_eq!(p("and pr and or pr"), and(present("and"), present("or")));
    }

    #[test]
    fn keywords_and_operators_are_case_insensitive() {
        assert_eq!(
            canonical("userName EQ \"x\" AND title PR OR active Eq TRUE and x nE NULL and y gT FaLsE"),
            "userName eq \"x\" and title pr or active eq true and x ne null and y gt false"
        );
        for op in ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"] {
            let f = p(&format!("x {} \"v\"", op.to_uppercase()));
            assert_eq!(f.to_string(), format!("x {op} \"v\""));
        }
    }

    #[test]
    fn whitespace_is_tolerated() {
        assert_eq!(canonical("  userName   eq\t\"x\"  and(title pr)  "), "userName eq \"x\" and title pr");
        assert_eq!(canonical("emails [type eq \"work\"]"), "emails[type eq \"work\"]");
    }

    #[test]
    fn urn_qualified_paths() {
        let f = p("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"42\"");
        let Filter::Compare { path, .. } = &f else { panic!("{f:?}") };
        assert_eq!(path.urn.as_deref(), Some(ENTERPRISE_USER_SCHEMA));
        assert_eq!(path.attr, "manager");
        assert_eq!(path.sub_attr.as_deref(), Some("value"));
        let f = p("urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"work\"]");
        let Filter::ValuePath { path, .. } = &f else { panic!("{f:?}") };
        assert_eq!(path.urn.as_deref(), Some("urn:ietf:params:scim:schemas:core:2.0:User"));
    }

    #[test]
    fn value_paths() {
        let f = p("emails[type eq \"work\" and value co \"@x\"]");
        assert_eq!(
            f,
            Filter::ValuePath {
                path: AttrPath::simple("emails"),
                filter: Box::new(and(
                    eq_str("type", "work"),
                    Filter::Compare {
                        path: AttrPath::simple("value"),
                        op: CompareOp::Co,
                        value: CompValue::String("@x".into())
                    }
                )),
            }
        );
        assert_eq!(canonical("emails[not (type eq \"work\")]"), "emails[not (type eq \"work\")]");
        assert_eq!(canonical("members[$ref pr]"), "members[$ref pr]");
    }

    #[test]
    fn entra_shapes() {
        assert_eq!(p("userName eq \"x\""), eq_str("userName", "x"));
        assert_eq!(p("externalId eq \"x\""), eq_str("externalId", "x"));
        assert_eq!(p("displayName eq \"Group\""), eq_str("displayName", "Group"));
        assert_eq!(
            canonical("meta.lastModified gt \"2011-05-13T04:42:34Z\""),
            "meta.lastModified gt \"2011-05-13T04:42:34Z\""
        );
        // A value filter followed by a sub-attribute comparison is the value filter with both.
        let f = p("emails[type eq \"work\"].value eq \"a@b.c\"");
        assert_eq!(
            f,
            Filter::ValuePath {
                path: AttrPath::simple("emails"),
                filter: Box::new(and(eq_str("type", "work"), eq_str("value", "a@b.c"))),
            }
        );
        assert_eq!(f.to_string(), "emails[type eq \"work\" and value eq \"a@b.c\"]");
        assert_eq!(
            canonical("emails[type eq \"work\" or type eq \"home\"].value eq \"x\" and active eq true"),
            "emails[(type eq \"work\" or type eq \"home\") and value eq \"x\"] and active eq true"
        );
        assert_eq!(canonical("emails[type eq \"work\"].value pr"), "emails[type eq \"work\" and value pr]");
    }

    #[test]
    fn literals() {
        let value = |input: &str| match p(&format!("x eq {input}")) {
            Filter::Compare { value, .. } => value,
            other => panic!("{other:?}"),
        };
        assert_eq!(value("5"), CompValue::Number(5u64.into()));
        assert_eq!(value("-5"), CompValue::Number((-5i64).into()));
        assert_eq!(value("1.5"), CompValue::Number(Number::from_f64(1.5).unwrap()));
        assert_eq!(value("1e3"), CompValue::Number(Number::from_f64(1000.0).unwrap()));
        assert_eq!(value("2.5E-1"), CompValue::Number(Number::from_f64(0.25).unwrap()));
        assert_eq!(value("18446744073709551616"), CompValue::Number(Number::from_f64(1.8446744073709552e19).unwrap()));
        assert_eq!(value("true"), CompValue::Bool(true));
        assert_eq!(value("False"), CompValue::Bool(false));
        assert_eq!(value("NULL"), CompValue::Null);
        assert_eq!(value(r#""a\"b\\c\u00e9\n""#), CompValue::String("a\"b\\cé\n".into()));
        assert_eq!(value("\"\""), CompValue::String(String::new()));
        assert_eq!(canonical(r#"x eq "tab\there\u0001""#), r#"x eq "tab\there\u0001""#);
        assert_eq!(canonical("x eq 1.0"), "x eq 1.0");
        assert_eq!(canonical("x eq 1E+2"), "x eq 100.0");
        for bad in ["01", "1.", ".5", "+1", "1e", "-", "0x10", "1e400", "abc", "'x'"] {
            let detail = err(&format!("x eq {bad}"));
            assert!(detail.contains(bad), "{bad}: {detail}");
        }
    }

    #[test]
    fn errors_say_what_was_expected_and_where() {
        let cases = [
            ("", "the filter is empty"),
            ("   ", "the filter is empty"),
            ("userName eqq \"x\"", "unknown operator 'eqq', expected one of eq, ne, co, sw, ew, gt, ge, lt, le or pr (at position 9)"),
            ("userName", "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after 'userName', found the end of the filter (at position 8)"),
            ("userName eq", "missing value after 'userName eq' (at position 11)"),
            ("(userName eq)", "missing value after 'userName eq' (at position 12)"),
            ("userName eq \"x\" foo", "expected 'and', 'or' or the end of the filter, found 'foo' (at position 16)"),
            ("userName eq \"x\" \"y\"", "expected 'and', 'or' or the end of the filter, found a string"),
            ("(userName eq \"x\"", "unbalanced '(': the filter ends before its ')' (at position 0)"),
            ("userName eq \"x\")", "unbalanced ')': there is no '(' to close (at position 15)"),
            ("emails[type eq \"x\"", "unbalanced '[': the filter ends before its ']' (at position 6)"),
            ("emails[type eq \"x\")", "expected ']' to close the '[' at position 6, found ')'"),
            ("(type eq \"x\"]", "expected ')' to close the '(' at position 0, found ']'"),
            ("type eq \"x\"]", "unbalanced ']'"),
            ("(a pr] and b pr)", "found ']'"),
            ("emails[type[value pr]]", "value filters cannot be nested"),
            ("emails[type eq \"x\"]]", "unbalanced ']'"),
            ("emails.value[type pr]", "must follow an attribute name without a sub-attribute"),
            ("title pr \"x\"", "'pr' takes no value (at position 9)"),
            ("title pr true", "'pr' takes no value"),
            ("userName eq \"x", "unterminated string: missing closing '\"' (at position 12)"),
            ("userName eq \"\\q\"", "invalid string literal"),
            ("userName eq \"\\ud800\"", "invalid string literal"),
            ("\"x\" eq userName", "expected an attribute path, '(' or 'not', found a string (at position 0)"),
            ("()", "expected an attribute path, '(' or 'not', found ')' (at position 1)"),
            ("a pr and", "expected an attribute path, '(' or 'not', found the end of the filter (at position 8)"),
            ("a pr or or b pr", "expected an attribute path, '(' or 'not', found 'or' (at position 8)"),
            ("a pr and and", "expected an operator"),
            ("not userName eq \"x\"", "expected '(' after 'not' (at position 0)"),
            ("1abc pr", "'1abc' is not a valid attribute path"),
            ("user.name.x pr", "is not a valid attribute path"),
            ("emails[]", "found ']'"),
            ("userName eq [", "expected a value"),
            ("emails[type eq \"work\"].value.x eq \"y\"", "expected a sub-attribute name after '].'"),
            ("emails[type eq \"work\"].value", "expected an operator"),
            ("emails[type eq \"work\"]x pr", "expected 'and', 'or' or the end of the filter, found 'x'"),
            ("é eq \"x\"", "'é' is not a valid attribute path"),
            ("x eq \"é\" é", "found 'é' (at position 9)"),
        ];
        for (input, expected) in cases {
            let detail = err(input);
            assert!(detail.contains(expected), "{input}\n  got:  {detail}\n  want: {expected}");
        }
    }

    #[test]
    fn length_limit() {
        let limits = FilterLimits { max_length: 20, max_depth: 32 };
        assert!(parse("userName eq \"abcde\"", &limits).is_ok());
        let e = parse("userName eq \"abcdefghij\"", &limits).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
        assert!(e.detail.contains("limit of 20 characters"), "{}", e.detail);
        // Characters, not bytes.
        assert!(parse("x eq \"ééééééééééé\"", &limits).is_ok());
        let long = format!("userName eq \"{}\"", "x".repeat(5000));
        assert!(err(&long).contains("4096"));
    }

    #[test]
    fn depth_limit_counts_parentheses_not_and_brackets() {
        let limits = FilterLimits { max_length: usize::MAX, max_depth: 3 };
        assert!(parse("(((a pr)))", &limits).is_ok());
        assert!(parse("((not (a pr)))", &limits).is_ok());
        assert!(parse("((x[a pr]))", &limits).is_ok());
        for deep in ["((((a pr))))", "(((not (a pr))))", "not (not (not (not (a pr))))", "(((x[a pr])))"] {
            let e = parse(deep, &limits).unwrap_err();
            assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
            assert!(e.detail.contains("deeper than the limit of 3 levels"), "{deep}: {}", e.detail);
        }
        // Siblings do not add up.
        assert!(parse("(((a pr))) and (((b pr))) or x[(((c pr)))]", &FilterLimits { max_depth: 4, ..limits }).is_ok());
    }

    #[test]
    fn hostile_nesting_does_not_overflow_the_stack() {
        let huge = FilterLimits { max_length: usize::MAX, max_depth: usize::MAX };
        let n = 200_000;
        let deep = format!("{}a pr{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(parse(&deep, &huge).unwrap(), present("a"));
        let unbalanced = "not (".repeat(n);
        assert!(parse(&unbalanced, &huge).is_err());
        assert!(err(&"(".repeat(4000)).contains("limit of 32 levels"));
    }

    #[test]
    fn tall_trees_are_capped_and_walkable() {
        let chain = |n: usize| vec!["a pr"; n].join(" or ");
        let f = parse(&chain(MAX_TREE_HEIGHT), &ROOMY).unwrap();
        // Printing, evaluating, comparing, cloning and dropping a tree of the maximum height
        // works on a test thread's stack.
        let printed = f.to_string();
        assert_eq!(parse(&printed, &ROOMY).unwrap(), f.clone());
        assert!(!f.matches(&json!({}), &USER_RESOURCE));
        assert!(!format!("{f:?}").is_empty());
        drop(f);
        let e = parse(&chain(MAX_TREE_HEIGHT + 1), &ROOMY).unwrap_err();
        assert!(e.detail.contains("too complex"), "{}", e.detail);
    }

    #[test]
    fn printing_escapes_strings_as_json() {
        let f = Filter::Compare {
            path: AttrPath::simple("x"),
            op: CompareOp::Eq,
            value: CompValue::String("q\"b\\s\u{7}\r\n\té]".into()),
        };
        assert_eq!(f.to_string(), r#"x eq "q\"b\\s\u0007\r\n\té]""#);
        assert_eq!(p(&f.to_string()), f);
    }

    // --- matching ---------------------------------------------------------------------------

    fn user() -> Value {
        json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            ],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "BJensen-Ext",
            "userName": "Bjensen@Example.com",
            "name": { "familyName": "O'Malley", "givenName": "Barbara", "middleName": null },
            "displayName": "Babs Jensen",
            "title": "",
            "nickName": null,
            "userType": "Employee",
            "active": true,
            "emails": [
                { "value": "bjensen@example.com", "type": "work", "primary": true },
                { "value": "babs@jensen.org", "type": "home" }
            ],
            "ims": [],
            "meta": {
                "resourceType": "User",
                "created": "2010-01-23T04:56:22Z",
                "lastModified": "2011-05-13T04:42:34+02:00"
            },
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "employeeNumber": "701984",
                "manager": { "value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith" }
            }
        })
    }

    fn m(filter: &str) -> bool {
        p(filter).matches(&user(), &USER_RESOURCE)
    }

    #[test]
    fn case_sensitivity_follows_case_exact() {
        // userName: caseExact false.
        assert!(m("userName eq \"bjensen@example.com\""));
        assert!(m("USERNAME eq \"BJENSEN@EXAMPLE.COM\""));
        assert!(m("userName sw \"BJ\""));
        // externalId and id: caseExact true.
        assert!(m("externalId eq \"BJensen-Ext\""));
        assert!(!m("externalId eq \"bjensen-ext\""));
        assert!(m("externalId ne \"bjensen-ext\""));
        assert!(!m("id eq \"2819C223-7F76-453A-919D-413861904646\""));
        assert!(m("id eq \"2819c223-7f76-453a-919d-413861904646\""));
        assert!(m("urn:ietf:params:scim:schemas:core:2.0:User:userName ew \"EXAMPLE.COM\""));
    }

    #[test]
    fn string_operators() {
        assert!(m("name.familyName co \"O'Malley\""));
        assert!(m("name.familyName co \"mall\""));
        assert!(!m("userName sw \"J\""));
        assert!(m("displayName ew \"jensen\""));
        assert!(m("displayName gt \"Babs\"") && m("displayName ge \"Babs Jensen\"") && m("displayName lt \"C\""));
        assert!(!m("displayName le \"Babs\""));
        assert!(m("userType eq \"Employee\" and not (emails co \"example.org\")"));
        assert!(!m("active co \"tr\""), "co applies to strings only");
    }

    #[test]
    fn multi_valued_attributes_match_any_value() {
        assert!(m("emails co \"jensen.org\""), "complex multi-valued without sub-attribute compares value");
        assert!(m("emails.value eq \"bjensen@example.com\""));
        assert!(m("emails.type eq \"home\""));
        assert!(!m("emails.type eq \"other\""));
        assert!(m("emails[type eq \"work\" and value co \"@example.com\"]"));
        assert!(!m("emails[type eq \"home\" and value co \"@example.com\"]"), "both on the same element");
        assert!(m("emails[type eq \"work\"].value eq \"BJENSEN@example.com\""));
        assert!(!m("emails[type eq \"home\"].value eq \"bjensen@example.com\""));
        assert!(m("emails[primary eq true]"));
        assert!(m("emails[not (primary eq true)]"), "the home address has no primary");
        assert!(!m("ims[type eq \"xmpp\"]"));
        assert!(m("userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]"));
    }

    #[test]
    fn date_times_compare_as_instants() {
        // lastModified is 2011-05-13T02:42:34Z.
        assert!(m("meta.lastModified eq \"2011-05-13T02:42:34Z\""));
        assert!(m("meta.lastModified eq \"2011-05-13T02:42:34.000Z\""));
        assert!(m("meta.lastModified lt \"2011-05-13T04:42:34Z\""));
        assert!(!m("meta.lastModified gt \"2011-05-13T04:42:34Z\""));
        assert!(m("meta.lastModified gt \"2011-05-13T02:42:33Z\""));
        assert!(
            m("meta.lastModified ge \"2011-05-13T02:42:34Z\"") && m("meta.lastModified le \"2011-05-13T02:42:34Z\"")
        );
        assert!(m("meta.created lt \"2010-01-23T04:56:23\""), "no offset: UTC");
        assert!(!m("meta.created gt \"not a date\""));
        assert!(m("meta.created sw \"2010-01\""), "sw works on the string form");
    }

    const SCORES_SUBS: &[AttributeDef] = &[
        AttributeDef { name: "value", ty: AttrType::Integer, ..SCHEMAS_DEF },
        AttributeDef { name: "weight", ty: AttrType::Decimal, multi_valued: false, ..SCHEMAS_DEF },
        AttributeDef { name: "code", ty: AttrType::String, multi_valued: false, case_exact: true, ..SCHEMAS_DEF },
    ];
    const SCORES: AttributeDef =
        AttributeDef { name: "scores", ty: AttrType::Complex, sub_attributes: SCORES_SUBS, ..SCHEMAS_DEF };
    const TAGS: AttributeDef = AttributeDef { name: "tags", ty: AttrType::String, ..SCHEMAS_DEF };

    #[test]
    fn numbers_compare_numerically() {
        let el = json!({ "value": 10, "weight": 2.5, "code": "Ab" });
        let me = |f: &str| p(f).matches_element(&el, &SCORES);
        assert!(me("value eq 10") && me("value eq 10.0") && me("value eq 1e1"));
        assert!(me("value gt 9") && me("value ge 10") && me("value lt 11") && me("value le 10"));
        assert!(!me("value gt 10") && !me("value lt -1"));
        assert!(me("value gt 9.99") && me("value lt 18446744073709551615"));
        assert!(me("weight gt 2") && me("weight lt 3") && me("weight eq 2.5") && me("weight ne 2"));
        assert!(!me("value eq \"10\""), "no coercion between strings and numbers");
        assert!(!me("value co 1"));
        assert!(me("code eq \"Ab\"") && !me("code eq \"ab\""), "caseExact sub-attribute");
        assert!(!me("nope eq 1"));
        // Multi-valued simple values: `value` is the element itself.
        assert!(p("value eq \"red\"").matches_element(&json!("Red"), &TAGS));
        assert!(!p("type eq \"red\"").matches_element(&json!("red"), &TAGS));
    }

    #[test]
    fn booleans_and_null() {
        assert!(m("active eq true") && m("active ne false") && !m("active eq false"));
        assert!(!m("active gt false"), "booleans only eq and ne");
        assert!(!m("active eq \"true\""), "no coercion");
        assert!(m("nickName eq null") && m("timezone eq null") && m("name.middleName eq null"));
        assert!(!m("userName eq null") && m("userName ne null"));
        assert!(!m("timezone ne null") && !m("timezone ne \"x\""), "an absent attribute matches no comparison");
        assert!(!m("userName gt null"));
    }

    #[test]
    fn present_means_non_empty() {
        assert!(m("userName pr") && m("name pr") && m("emails pr") && m("emails.type pr"));
        assert!(!m("title pr"), "empty string");
        assert!(!m("nickName pr"), "null");
        assert!(!m("timezone pr"), "absent");
        assert!(!m("ims pr"), "empty array");
        assert!(!m("name.middleName pr"));
        assert!(!m("emails.display pr"));
        assert!(m("emails[type eq \"home\" and not (primary pr)]"));
        let empty = json!({ "name": { "givenName": "" }, "emails": [{}] });
        assert!(!p("name pr").matches(&empty, &USER_RESOURCE), "complex with only empty members");
        assert!(!p("emails pr").matches(&empty, &USER_RESOURCE));
    }

    #[test]
    fn extension_attributes_and_schemas() {
        assert!(m("manager.value eq \"26118915-6090-4610-87e4-49d8ca9f808d\""));
        assert!(m("manager eq \"26118915-6090-4610-87e4-49d8ca9f808d\""), "complex without sub compares value");
        assert!(m("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"701984\""));
        assert!(m("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName sw \"john\""));
        assert!(m("manager[value pr]"));
        assert!(m("schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\""));
        assert!(!m("schemas eq \"urn:example:other\""));
        assert!(m("userName pr and manager pr"));
    }

    #[test]
    fn attribute_names_and_keys_are_case_insensitive() {
        let lower = json!({ "username": "bjensen", "EMAILS": [{ "VALUE": "a@b.c", "Type": "work" }] });
        assert!(p("userName eq \"BJENSEN\"").matches(&lower, &USER_RESOURCE));
        assert!(p("emails[TYPE eq \"work\"].value eq \"a@b.c\"").matches(&lower, &USER_RESOURCE));
    }

    #[test]
    fn unknown_attributes_never_match() {
        assert!(!m("nope eq \"x\"") && !m("nope pr") && !m("name.nope pr") && !m("nope[value pr]"));
        assert!(m("not (nope pr)"));
        assert!(!p("members pr").matches(&json!({ "members": [] }), &GROUP_RESOURCE));
        let group = json!({ "displayName": "Group", "members": [{ "value": "u1" }, { "value": "u2" }] });
        assert!(p("displayName eq \"group\"").matches(&group, &GROUP_RESOURCE));
        assert!(p("members[value eq \"u2\"]").matches(&group, &GROUP_RESOURCE));
        assert!(!p("userName pr").matches(&group, &GROUP_RESOURCE));
    }

    #[test]
    fn matches_element_resolves_relative_paths() {
        let emails = USER.attribute("emails").unwrap();
        let work = json!({ "value": "a@b.c", "type": "work" });
        assert!(p("type eq \"WORK\"").matches_element(&work, emails));
        assert!(!p("emails.type eq \"work\"").matches_element(&work, emails), "paths are relative");
        assert!(!p("urn:x:y:type eq \"work\"").matches_element(&work, emails));
        assert!(!p("emails[type pr]").matches_element(&work, emails));
    }

    // --- properties -------------------------------------------------------------------------

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => "[a-zA-Z][a-zA-Z0-9_-]{0,6}",
            1 => prop::sample::select(vec!["$ref", "not", "and", "or", "pr", "eq", "true", "null", "urn"])
                .prop_map(String::from),
        ]
    }

    fn urn() -> impl Strategy<Value = Option<String>> {
        prop::option::weighted(
            0.2,
            prop::sample::select(vec![
                "urn:ietf:params:scim:schemas:core:2.0:User",
                ENTERPRISE_USER_SCHEMA,
                "URN:example:ext:1.0",
            ])
            .prop_map(String::from),
        )
    }

    fn attr_path() -> impl Strategy<Value = AttrPath> {
        (urn(), name(), prop::option::of(name())).prop_map(|(urn, attr, sub_attr)| AttrPath { urn, attr, sub_attr })
    }

    fn comp_value() -> impl Strategy<Value = CompValue> {
        prop_oneof![
            Just(CompValue::Null),
            any::<bool>().prop_map(CompValue::Bool),
            any::<i64>().prop_map(|n| CompValue::Number(n.into())),
            any::<u64>().prop_map(|n| CompValue::Number(n.into())),
            any::<f64>().prop_filter_map("finite", |x| Number::from_f64(x).map(CompValue::Number)),
            any::<String>().prop_map(CompValue::String),
        ]
    }

    fn compare_op() -> impl Strategy<Value = CompareOp> {
        prop::sample::select(vec![
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Co,
            CompareOp::Sw,
            CompareOp::Ew,
            CompareOp::Gt,
            CompareOp::Ge,
            CompareOp::Lt,
            CompareOp::Le,
        ])
    }

    fn leaf() -> impl Strategy<Value = Filter> {
        prop_oneof![
            (attr_path(), compare_op(), comp_value()).prop_map(|(path, op, value)| Filter::Compare { path, op, value }),
            attr_path().prop_map(Filter::Present),
        ]
    }

    fn logic(inner: BoxedStrategy<Filter>) -> BoxedStrategy<Filter> {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| and(l, r)),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| or(l, r)),
            inner.prop_map(|f| Filter::Not(Box::new(f))),
        ]
        .boxed()
    }

    /// Filters the grammar can express: value paths have no sub-attribute and do not nest.
    fn filter() -> impl Strategy<Value = Filter> {
        let element_filter = leaf().prop_recursive(3, 16, 2, logic);
        let value_path = ((urn(), name()), element_filter).prop_map(|((urn, attr), f)| Filter::ValuePath {
            path: AttrPath { urn, attr, sub_attr: None },
            filter: Box::new(f),
        });
        prop_oneof![3 => leaf(), 1 => value_path].prop_recursive(4, 32, 2, logic)
    }

    fn token_soup() -> impl Strategy<Value = String> {
        let tokens = vec![
            "userName",
            "emails",
            "name.givenName",
            "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            "urn:",
            ":",
            ".",
            ".value",
            "[",
            "]",
            "(",
            ")",
            "not",
            "and",
            "or",
            "eq",
            "co",
            "pr",
            "gt",
            "\"x\"",
            "\"",
            "\\",
            "\"\\u00\"",
            "1",
            "-1.5e3",
            "01",
            "true",
            "null",
            " ",
            " ",
            " ",
            "\t",
            "é",
            "$ref",
        ];
        prop::collection::vec(prop::sample::select(tokens), 0..40).prop_map(|t| t.concat())
    }

    /// Whatever parses prints to something that parses back to the same tree, and evaluates.
    fn check_accepted(input: &str) {
        if let Ok(f) = parse(input, &FilterLimits::default()) {
            let printed = f.to_string();
            assert_eq!(parse(&printed, &ROOMY).unwrap(), f, "{input} → {printed}");
            let _ = f.matches(&user(), &USER_RESOURCE);
            let _ = f.matches_element(&json!({"value": "x", "type": "work"}), &SCORES);
        }
        let _ = crate::path::PatchPath::parse(input, &FilterLimits::default());
        let _ = AttrPath::parse(input);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn printing_then_parsing_gives_the_same_filter(f in filter()) {
            let printed = f.to_string();
            let parsed = parse(&printed, &ROOMY);
            prop_assert!(parsed.is_ok(), "{printed}: {:?}", parsed.err());
            prop_assert_eq!(parsed.ok(), Some(f));
        }

        #[test]
        fn any_string_is_parsed_or_rejected_without_panicking(input in any::<String>()) {
            check_accepted(&input);
        }

        #[test]
        fn any_bytes_are_parsed_or_rejected_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            check_accepted(&String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn token_soup_is_parsed_or_rejected_without_panicking(input in token_soup()) {
            check_accepted(&input);
        }

        #[test]
        fn mutated_filters_are_parsed_or_rejected_without_panicking(
            f in filter(),
            cut in any::<prop::sample::Index>(),
            insert in prop::sample::select(vec!["", "(", ")", "[", "]", "\"", " and ", "not (", "."]),
        ) {
            let printed = f.to_string();
            let at = cut.index(printed.len() + 1);
            if let (Some(head), Some(tail)) = (printed.get(..at), printed.get(at..)) {
                check_accepted(&format!("{head}{insert}{tail}"));
            }
        }
    }
}
