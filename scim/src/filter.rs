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
mod tests;
