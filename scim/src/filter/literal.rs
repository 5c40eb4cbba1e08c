//! Bare (unquoted) comparison values: `true`, `false`, `null` and JSON numbers (RFC 7159 §6).

use serde_json::Number;

use crate::path;

use super::CompValue;

/// A bare (unquoted) value: `true`, `false`, `null` in any case, or a JSON number.
// RFC 7644 §3.4.2.2: compValue = false / null / true / number / string (RFC 7159 §3, §6)
pub(super) fn literal(word: &str) -> Result<CompValue, String> {
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
