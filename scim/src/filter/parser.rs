//! The filter parser: an operator-precedence parser with explicit stacks (it never recurses),
//! its syntax errors with positions, and the entry points [`parse`] and [`parse_bracketed`].

use crate::error::ScimError;
use crate::path::{self, AttrPath};

use super::literal::literal;
use super::{CompValue, CompareOp, Filter, FilterLimits, MAX_TREE_HEIGHT};

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
