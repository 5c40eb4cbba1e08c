//! List and query parameters and list responses (RFC 7644 §3.4.2, §3.4.3): `filter`,
//! `startIndex`/`count` pagination, `sortBy`/`sortOrder`, `attributes`/`excludedAttributes`,
//! from a URL query or a `POST /.search` body, and the `ListResponse` message.

use serde_json::{json, Map, Value};

use crate::error::ScimError;
use crate::path::AttrPath;
use crate::schema::{LIST_RESPONSE_SCHEMA, SEARCH_REQUEST_SCHEMA};

/// The order of sorted results (RFC 7644 §3.4.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Smallest first (the default).
    #[default]
    Ascending,
    /// Largest first.
    Descending,
}

/// Parsed query parameters (from the URL query or a POST /.search body).
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// The raw `filter` expression (parse it with the filter module).
    pub filter: Option<String>,
    /// 1-based index of the first result; 1 by default, values below 1 become 1 (RFC 7644 §3.4.2.4).
    pub start_index: u64,
    /// Requested page size; `None` = the server's default; negative values become 0.
    pub count: Option<u64>,
    /// The attribute to sort by.
    pub sort_by: Option<AttrPath>,
    /// The sort order (ascending by default).
    pub sort_order: SortOrder,
    /// `attributes`: only these are returned (plus those always returned).
    pub attributes: Vec<AttrPath>,
    /// `excludedAttributes`: these are not returned (unless always returned).
    pub excluded_attributes: Vec<AttrPath>,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            filter: None,
            start_index: 1,
            count: None,
            sort_by: None,
            sort_order: SortOrder::Ascending,
            attributes: Vec::new(),
            excluded_attributes: Vec::new(),
        }
    }
}

impl ListQuery {
    /// From raw query pairs (keys case-insensitive: `startIndex`, `count`, `filter`, `sortBy`,
    /// `sortOrder`, `attributes`, `excludedAttributes`; comma-separated lists). Non-numeric
    /// `startIndex`/`count` → invalidValue; a bad `sortOrder` → invalidValue; a malformed
    /// attribute path → invalidPath.
    ///
    /// The pairs must already be percent-decoded. Unknown keys (e.g. Entra's
    /// `aadOptscim062020`) are ignored; an empty value counts as absent; the last of repeated
    /// keys wins.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<ListQuery, ScimError> {
        let mut query = ListQuery::default();
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            query.set(key, Param::Text(value))?;
        }
        Ok(query)
    }

    /// From a SearchRequest body (RFC 7644 §3.4.3); requires the SearchRequest schema.
    ///
    /// `startIndex` and `count` may be JSON numbers or numeric strings; `attributes` and
    /// `excludedAttributes` arrays of strings (or one comma-separated string).
    pub fn from_search_request(body: &Value) -> Result<ListQuery, ScimError> {
        let Value::Object(map) = body else {
            return Err(ScimError::invalid_syntax("the SearchRequest body must be a JSON object"));
        };
        let listed =
            map.iter().find(|(k, _)| k.eq_ignore_ascii_case("schemas")).and_then(|(_, v)| v.as_array()).is_some_and(
                |a| a.iter().filter_map(Value::as_str).any(|s| s.eq_ignore_ascii_case(SEARCH_REQUEST_SCHEMA)),
            );
        if !listed {
            return Err(ScimError::invalid_syntax(format!(
                "a SearchRequest must list the schema \"{SEARCH_REQUEST_SCHEMA}\""
            )));
        }
        let mut query = ListQuery::default();
        for (key, value) in map {
            if key.eq_ignore_ascii_case("schemas") {
                continue;
            }
            match value {
                Value::Null => {}
                Value::String(s) if s.trim().is_empty() => {}
                Value::String(s) => query.set(key, Param::Text(s.trim()))?,
                Value::Number(n) => query.set(key, Param::Number(n))?,
                Value::Array(items) => query.set(key, Param::List(items))?,
                _ => query.set(key, Param::Other)?,
            }
        }
        Ok(query)
    }

    /// The effective page size given the server's default and maximum.
    ///
    /// RFC 7644 §3.4.2.4: a `count` of 0 asks for no resources, only `totalResults`.
    pub fn page_size(&self, default: u64, max: u64) -> u64 {
        self.count.unwrap_or(default).min(max)
    }

    fn set(&mut self, key: &str, value: Param<'_>) -> Result<(), ScimError> {
        let key = key.trim();
        if key.eq_ignore_ascii_case("filter") {
            self.filter = Some(value.text(key)?.to_string());
        } else if key.eq_ignore_ascii_case("startIndex") {
            self.start_index = u64::try_from(value.integer(key)?.max(1)).unwrap_or(u64::MAX);
        } else if key.eq_ignore_ascii_case("count") {
            self.count = Some(u64::try_from(value.integer(key)?.max(0)).unwrap_or(u64::MAX));
        } else if key.eq_ignore_ascii_case("sortBy") {
            self.sort_by = Some(AttrPath::parse(value.text(key)?)?);
        } else if key.eq_ignore_ascii_case("sortOrder") {
            let text = value.text(key)?;
            self.sort_order = if text.eq_ignore_ascii_case("ascending") {
                SortOrder::Ascending
            } else if text.eq_ignore_ascii_case("descending") {
                SortOrder::Descending
            } else {
                return Err(ScimError::invalid_value(format!(
                    "\"sortOrder\" must be \"ascending\" or \"descending\", not \"{text}\""
                )));
            };
        } else if key.eq_ignore_ascii_case("attributes") {
            self.attributes = value.paths(key)?;
        } else if key.eq_ignore_ascii_case("excludedAttributes") {
            self.excluded_attributes = value.paths(key)?;
        }
        Ok(())
    }
}

/// A parameter value, from a query string or from a JSON body.
enum Param<'a> {
    Text(&'a str),
    Number(&'a serde_json::Number),
    List(&'a [Value]),
    Other,
}

impl<'a> Param<'a> {
    fn text(&self, key: &str) -> Result<&'a str, ScimError> {
        match self {
            Param::Text(s) => Ok(s),
            _ => Err(ScimError::invalid_value(format!("\"{key}\" must be a string"))),
        }
    }

    /// An integer, saturated to the range of `i128` (callers clamp it further).
    fn integer(&self, key: &str) -> Result<i128, ScimError> {
        let bad = || ScimError::invalid_value(format!("\"{key}\" must be an integer"));
        match self {
            Param::Text(s) => parse_integer(s).ok_or_else(bad),
            Param::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Ok(i128::from(i))
                } else if let Some(u) = n.as_u64() {
                    Ok(i128::from(u))
                } else {
                    Err(bad())
                }
            }
            _ => Err(bad()),
        }
    }

    fn paths(&self, key: &str) -> Result<Vec<AttrPath>, ScimError> {
        let mut out = Vec::new();
        match self {
            Param::Text(s) => {
                for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    out.push(AttrPath::parse(part)?);
                }
            }
            Param::List(items) => {
                for item in items.iter() {
                    let Some(s) = item.as_str() else {
                        return Err(ScimError::invalid_value(format!("\"{key}\" must be an array of strings")));
                    };
                    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        out.push(AttrPath::parse(part)?);
                    }
                }
            }
            _ => return Err(ScimError::invalid_value(format!("\"{key}\" must be an array of strings"))),
        }
        Ok(out)
    }
}

/// An optionally signed decimal integer; very long digit strings saturate instead of failing.
fn parse_integer(s: &str) -> Option<i128> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits.parse::<i128>().unwrap_or(i128::MAX);
    Some(if negative { -magnitude } else { magnitude })
}

/// Builds a ListResponse: {schemas, totalResults, startIndex, itemsPerPage, Resources}.
///
/// RFC 7644 §3.4.2: `Resources` is always present (an empty array when there are none), which
/// is what Entra ID expects.
pub fn list_response(resources: Vec<Value>, total_results: u64, start_index: u64) -> Value {
    let mut out = Map::new();
    out.insert("schemas".into(), json!([LIST_RESPONSE_SCHEMA]));
    out.insert("totalResults".into(), json!(total_results));
    out.insert("startIndex".into(), json!(start_index));
    out.insert("itemsPerPage".into(), json!(resources.len()));
    out.insert("Resources".into(), Value::Array(resources));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScimType;

    fn pairs(list: &[(&'static str, &'static str)]) -> Result<ListQuery, ScimError> {
        ListQuery::from_pairs(list.iter().copied())
    }

    #[test]
    fn defaults_rfc7644_3_4_2_4() {
        let q = pairs(&[]).unwrap();
        assert_eq!((q.start_index, q.count, q.sort_order), (1, None, SortOrder::Ascending));
        assert!(q.filter.is_none() && q.sort_by.is_none() && q.attributes.is_empty());
        assert_eq!(ListQuery::default().start_index, 1);
        assert_eq!(SortOrder::default(), SortOrder::Ascending);
    }

    #[test]
    fn query_pairs_with_case_insensitive_keys() {
        let q = pairs(&[
            ("filter", "userName eq \"bjensen\""),
            ("STARTINDEX", "11"),
            ("Count", "5"),
            ("sortby", "name.familyName"),
            ("sortOrder", "Descending"),
            ("attributes", "userName, name.givenName ,emails.value"),
            ("excludedattributes", "groups"),
            ("aadOptscim062020", ""),
            ("unknown", "x"),
        ])
        .unwrap();
        assert_eq!(q.filter.as_deref(), Some("userName eq \"bjensen\""));
        assert_eq!((q.start_index, q.count, q.sort_order), (11, Some(5), SortOrder::Descending));
        let sort = q.sort_by.unwrap();
        assert_eq!((sort.attr.as_str(), sort.sub_attr.as_deref()), ("name", Some("familyName")));
        let names: Vec<&str> = q.attributes.iter().map(|p| p.attr.as_str()).collect();
        assert_eq!(names, ["userName", "name", "emails"]);
        assert_eq!(q.excluded_attributes.len(), 1);
    }

    #[test]
    fn out_of_range_numbers_are_clamped() {
        let q = pairs(&[("startIndex", "0"), ("count", "-3")]).unwrap();
        assert_eq!((q.start_index, q.count), (1, Some(0)));
        let q = pairs(&[("startIndex", "-7"), ("count", "+20")]).unwrap();
        assert_eq!((q.start_index, q.count), (1, Some(20)));
        let q = pairs(&[("startIndex", "99999999999999999999999999999999999999999999"), ("count", "")]).unwrap();
        assert_eq!((q.start_index, q.count), (u64::MAX, None));
    }

    #[test]
    fn bad_numbers_are_invalid_values() {
        for (key, value) in
            [("startIndex", "abc"), ("count", "1.5"), ("count", "10x"), ("startIndex", "-"), ("count", "0x10")]
        {
            let err = pairs(&[(key, value)]).unwrap_err();
            assert_eq!(err.scim_type, Some(ScimType::InvalidValue), "{key}={value}");
            assert!(err.detail.contains(key));
        }
        let err = pairs(&[("sortOrder", "up")]).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    }

    #[test]
    fn search_request_rfc7644_3_4_3() {
        let body: Value =
            serde_json::from_str(include_str!("../tests/fixtures/rfc7644-3.4.3-search-request.json")).unwrap();
        let q = ListQuery::from_search_request(&body).unwrap();
        assert_eq!(q.filter.as_deref(), Some("displayName sw \"smith\""));
        assert_eq!((q.start_index, q.count), (1, Some(10)));
        let names: Vec<&str> = q.attributes.iter().map(|p| p.attr.as_str()).collect();
        assert_eq!(names, ["displayName", "userName"]);

        let q = ListQuery::from_search_request(&json!({
            "schemas": [SEARCH_REQUEST_SCHEMA], "startIndex": "3", "count": -1, "sortOrder": "descending",
            "excludedAttributes": "emails,phoneNumbers", "sortBy": "userName", "filter": null,
        }))
        .unwrap();
        assert_eq!((q.start_index, q.count, q.sort_order), (3, Some(0), SortOrder::Descending));
        assert_eq!(q.excluded_attributes.len(), 2);
        assert!(q.filter.is_none() && q.sort_by.is_some());
    }

    #[test]
    fn search_request_errors() {
        let err = ListQuery::from_search_request(&json!({"filter": "x"})).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidSyntax));
        let err = ListQuery::from_search_request(&json!([SEARCH_REQUEST_SCHEMA])).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidSyntax));
        for bad in [
            json!({"count": true}),
            json!({"count": 2.5}),
            json!({"startIndex": "two"}),
            json!({"attributes": [1]}),
            json!({"attributes": {"a": 1}}),
            json!({"filter": 3}),
        ] {
            let mut body = bad.clone();
            body["schemas"] = json!([SEARCH_REQUEST_SCHEMA]);
            let err = ListQuery::from_search_request(&body).unwrap_err();
            assert_eq!(err.scim_type, Some(ScimType::InvalidValue), "{bad}");
        }
    }

    #[test]
    fn page_size_respects_default_and_maximum() {
        let q = |count| ListQuery { count, ..ListQuery::default() };
        assert_eq!(q(None).page_size(100, 1000), 100);
        assert_eq!(q(Some(5)).page_size(100, 1000), 5);
        assert_eq!(q(Some(5000)).page_size(100, 1000), 1000);
        assert_eq!(q(Some(0)).page_size(100, 1000), 0);
        assert_eq!(q(None).page_size(100, 50), 50);
    }

    #[test]
    fn list_response_shape_rfc7644_3_4_2() {
        let body = list_response(vec![json!({"id": "1"}), json!({"id": "2"})], 12, 3);
        assert_eq!(
            body,
            json!({"schemas": [LIST_RESPONSE_SCHEMA], "totalResults": 12, "startIndex": 3, "itemsPerPage": 2,
                   "Resources": [{"id": "1"}, {"id": "2"}]})
        );
        assert_eq!(list_response(Vec::new(), 0, 1)["Resources"], json!([]));
    }
}
