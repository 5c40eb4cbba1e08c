//! SCIM filters on users, translated to SQL (RFC 7644 §3.4.2.2). Attributes with their own
//! indexed column (id, externalId, userName, displayName, active, meta dates) compare on it;
//! every other attribute goes through the dialect's JSON functions, and multi-valued ones
//! through an `exists` over their elements. Attribute names in the SQL come from the static
//! schema, never from the request; values are always bound.

use scim::filter::{CompValue, CompareOp, Filter};
use scim::path::AttrPath;
use scim::schema::{AttrType, AttributeDef, USER_RESOURCE};
use scim::ScimError;

use crate::db::sql::{Arg, Where};
use crate::db::user::fold_user_name;
use crate::db::Dialect;

/// Translates `filter`; placeholders are numbered from `$first`.
pub fn to_sql(filter: &Filter, dialect: Dialect, first: usize) -> Result<Where, ScimError> {
    let mut t = Translator { dialect, next: first, args: Vec::new() };
    let sql = t.filter(filter)?;
    Ok(Where { sql, args: t.args })
}

struct Translator {
    dialect: Dialect,
    next: usize,
    args: Vec<Arg>,
}

/// How an operand is reached in SQL.
enum Operand {
    /// A column or JSON expression yielding text (or NULL).
    Text { expr: String, case_exact: bool },
    /// An integer column holding a time in ms.
    Millis(&'static str),
    /// A flag column.
    Flag(&'static str),
    /// A JSON value of another type, with its schema type.
    Json { expr: String, ty: AttrType },
}

impl Translator {
    fn bind(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        let p = format!("${}", self.next);
        self.next += 1;
        p
    }

    fn filter(&mut self, f: &Filter) -> Result<String, ScimError> {
        match f {
            Filter::And(a, b) => Ok(format!("({} and {})", self.filter(a)?, self.filter(b)?)),
            Filter::Or(a, b) => Ok(format!("({} or {})", self.filter(a)?, self.filter(b)?)),
            Filter::Not(a) => Ok(format!("(not coalesce({}, false))", self.filter(a)?)),
            Filter::Present(path) => self.present(path),
            Filter::Compare { path, op, value } => self.compare(path, *op, value),
            Filter::ValuePath { path, filter } => self.value_path(path, filter),
        }
    }

    fn resolve(path: &AttrPath) -> Result<(&'static AttributeDef, Option<&'static AttributeDef>), ScimError> {
        path.resolve(&USER_RESOURCE).ok_or_else(|| ScimError::invalid_filter(format!("unknown attribute \"{path}\"")))
    }

    /// The operand for a top-level path, or `None` when the attribute is multi-valued.
    fn operand(&self, path: &AttrPath) -> Result<Option<Operand>, ScimError> {
        let (def, sub) = Self::resolve(path)?;
        let column = match (def.name, sub.map(|s| s.name)) {
            ("id", None) => Some(Operand::Text { expr: "user_id".into(), case_exact: true }),
            ("externalId", None) => Some(Operand::Text { expr: "external_id".into(), case_exact: true }),
            ("userName", None) => Some(Operand::Text { expr: "user_name_ci".into(), case_exact: true }),
            ("displayName", None) => Some(Operand::Text { expr: "display_name".into(), case_exact: false }),
            ("active", None) => Some(Operand::Flag("active")),
            ("meta", Some("created")) => Some(Operand::Millis("created_at")),
            ("meta", Some("lastModified")) => Some(Operand::Millis("updated_at")),
            ("meta", _) | ("groups", _) => {
                return Err(ScimError::invalid_filter(format!("filtering on \"{path}\" is not supported")))
            }
            _ => None,
        };
        if column.is_some() || def.multi_valued {
            return Ok(column);
        }
        let urn = path.schema_urn(&USER_RESOURCE).filter(|u| *u != USER_RESOURCE.core.id);
        let mut keys: Vec<&str> = urn.into_iter().collect();
        keys.push(def.name);
        let target = match sub {
            Some(s) => {
                keys.push(s.name);
                s
            }
            None => def,
        };
        if target.ty == AttrType::Complex {
            return Err(ScimError::invalid_filter(format!("\"{path}\" is complex: name a sub-attribute")));
        }
        Ok(Some(self.json_operand(self.json_path("resource", &keys), target)))
    }

    fn json_operand(&self, expr: String, def: &AttributeDef) -> Operand {
        match def.ty {
            AttrType::Boolean | AttrType::Integer | AttrType::Decimal => Operand::Json { expr, ty: def.ty },
            _ => Operand::Text { expr, case_exact: def.case_exact },
        }
    }

    /// Text of the value at `keys` inside the JSON column or element `doc`.
    fn json_path(&self, doc: &str, keys: &[&str]) -> String {
        match self.dialect {
            Dialect::Sqlite => {
                let path: String = keys.iter().map(|k| format!(".\"{k}\"")).collect();
                format!("json_extract({doc}, '${path}')")
            }
            Dialect::Postgres => {
                let doc = if doc == "resource" { "resource::jsonb".to_owned() } else { doc.to_owned() };
                let path: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
                format!("({doc} #>> '{{{}}}')", path.join(","))
            }
        }
    }

    /// `exists (select 1 from <elements of attr> as e(value) where <cond>)`.
    fn exists_element(&self, def: &AttributeDef, urn: Option<&str>, cond: &str) -> String {
        let mut keys: Vec<&str> = urn.into_iter().collect();
        keys.push(def.name);
        match self.dialect {
            Dialect::Sqlite => {
                let path: String = keys.iter().map(|k| format!(".\"{k}\"")).collect();
                format!("exists (select 1 from json_each(resource, '${path}') as e where {cond})")
            }
            Dialect::Postgres => {
                let path: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
                format!(
                    "exists (select 1 from jsonb_array_elements(case when jsonb_typeof(resource::jsonb #> '{{{p}}}') = 'array' \
                     then resource::jsonb #> '{{{p}}}' else '[]'::jsonb end) as e(value) where {cond})",
                    p = path.join(",")
                )
            }
        }
    }

    /// The operand for a sub-attribute of an element `e.value`.
    fn element_operand(&self, sub: &AttributeDef) -> Operand {
        self.json_operand(self.json_path("e.value", &[sub.name]), sub)
    }

    fn multi_urn(path: &AttrPath) -> Option<&'static str> {
        path.schema_urn(&USER_RESOURCE).filter(|u| *u != USER_RESOURCE.core.id)
    }

    fn present(&mut self, path: &AttrPath) -> Result<String, ScimError> {
        match self.operand(path)? {
            Some(op) => Ok(present_sql(&op)),
            None => {
                let (def, sub) = Self::resolve(path)?;
                let cond = match sub {
                    Some(sub) => present_sql(&self.element_operand(sub)),
                    None => "1 = 1".to_owned(),
                };
                Ok(self.exists_element(def, Self::multi_urn(path), &cond))
            }
        }
    }

    fn compare(&mut self, path: &AttrPath, op: CompareOp, value: &CompValue) -> Result<String, ScimError> {
        match self.operand(path)? {
            Some(operand) => self.compare_operand(&operand, op, value, path),
            None => {
                // A multi-valued attribute: any element matches (RFC 7644 §3.4.2.2). Without a
                // sub-attribute, complex elements compare their `value`.
                let (def, sub) = Self::resolve(path)?;
                let sub = match sub.or_else(|| def.sub_attribute("value")) {
                    Some(sub) => sub,
                    None => return Err(ScimError::invalid_filter(format!("cannot compare \"{path}\""))),
                };
                let operand = self.element_operand(sub);
                let cond = self.compare_operand(&operand, op, value, path)?;
                Ok(self.exists_element(def, Self::multi_urn(path), &cond))
            }
        }
    }

    fn value_path(&mut self, path: &AttrPath, inner: &Filter) -> Result<String, ScimError> {
        let (def, _) = Self::resolve(path)?;
        if !def.multi_valued || def.ty != AttrType::Complex {
            return Err(ScimError::invalid_filter(format!("\"{path}\" is not a multi-valued complex attribute")));
        }
        let cond = self.element_filter(def, inner)?;
        Ok(self.exists_element(def, Self::multi_urn(path), &cond))
    }

    /// A filter inside `attr[...]`, whose paths name sub-attributes of `parent`.
    fn element_filter(&mut self, parent: &AttributeDef, f: &Filter) -> Result<String, ScimError> {
        let sub_of = |path: &AttrPath| {
            let name = path.sub_attr.as_deref().unwrap_or(&path.attr);
            parent.sub_attribute(name).ok_or_else(|| {
                ScimError::invalid_filter(format!("\"{}\" has no sub-attribute \"{name}\"", parent.name))
            })
        };
        match f {
            Filter::And(a, b) => {
                Ok(format!("({} and {})", self.element_filter(parent, a)?, self.element_filter(parent, b)?))
            }
            Filter::Or(a, b) => {
                Ok(format!("({} or {})", self.element_filter(parent, a)?, self.element_filter(parent, b)?))
            }
            Filter::Not(a) => Ok(format!("(not coalesce({}, false))", self.element_filter(parent, a)?)),
            Filter::Present(path) => Ok(present_sql(&self.element_operand(sub_of(path)?))),
            Filter::Compare { path, op, value } => {
                let operand = self.element_operand(sub_of(path)?);
                self.compare_operand(&operand, *op, value, path)
            }
            Filter::ValuePath { path, .. } => {
                Err(ScimError::invalid_filter(format!("nested value path \"{path}\" is not allowed")))
            }
        }
    }

    fn compare_operand(
        &mut self,
        operand: &Operand,
        op: CompareOp,
        value: &CompValue,
        path: &AttrPath,
    ) -> Result<String, ScimError> {
        let mismatch = || ScimError::invalid_filter(format!("the value compared with \"{path}\" has the wrong type"));
        if matches!(value, CompValue::Null) {
            let expr = match operand {
                Operand::Text { expr, .. } | Operand::Json { expr, .. } => expr.clone(),
                Operand::Millis(c) | Operand::Flag(c) => (*c).to_owned(),
            };
            return match op {
                CompareOp::Eq => Ok(format!("{expr} is null")),
                CompareOp::Ne => Ok(format!("{expr} is not null")),
                _ => Err(ScimError::invalid_filter("null can only be compared with eq or ne")),
            };
        }
        match operand {
            Operand::Text { expr, case_exact } => {
                let CompValue::String(s) = value else { return Err(mismatch()) };
                // userName's column is already folded; fold the value the same way.
                let (expr, s) = if expr == "user_name_ci" {
                    (expr.clone(), fold_user_name(s))
                } else if *case_exact {
                    (expr.clone(), s.clone())
                } else {
                    (format!("lower({expr})"), s.to_lowercase())
                };
                let p = self.bind(Arg::Text(s));
                Ok(self.text_compare(&expr, op, &p))
            }
            Operand::Millis(column) => {
                let CompValue::String(s) = value else { return Err(mismatch()) };
                let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .map_err(|_| ScimError::invalid_filter(format!("\"{s}\" is not an RFC 3339 dateTime")))?;
                let p = self.bind(Arg::Int(crate::clock::to_ms(t)));
                ordered_compare(column, op, &p)
                    .ok_or_else(|| ScimError::invalid_filter("dateTimes compare with eq, ne, gt, ge, lt, le"))
            }
            Operand::Flag(column) => {
                let CompValue::Bool(b) = value else { return Err(mismatch()) };
                let p = self.bind(Arg::Bool(*b));
                equality(column, op, &p).ok_or_else(|| ScimError::invalid_filter("booleans compare with eq or ne"))
            }
            Operand::Json { expr, ty } => {
                let (expr, arg) = match (ty, value) {
                    (AttrType::Boolean, CompValue::Bool(b)) => (self.typed(expr, "boolean"), Arg::Bool(*b)),
                    (AttrType::Integer | AttrType::Decimal, CompValue::Number(n)) => {
                        let arg = match n.as_i64() {
                            Some(i) => Arg::Int(i),
                            None => Arg::Float(n.as_f64().ok_or_else(mismatch)?),
                        };
                        (self.typed(expr, "numeric"), arg)
                    }
                    _ => return Err(mismatch()),
                };
                let p = self.bind(arg);
                let sql =
                    if *ty == AttrType::Boolean { equality(&expr, op, &p) } else { ordered_compare(&expr, op, &p) };
                sql.ok_or_else(|| ScimError::invalid_filter(format!("unsupported operator for \"{path}\"")))
            }
        }
    }

    /// A JSON text value cast to a SQL type (PostgreSQL's `#>>` yields text; SQLite's
    /// `json_extract` already yields the native value).
    fn typed(&self, expr: &str, ty: &str) -> String {
        match self.dialect {
            Dialect::Sqlite => expr.to_owned(),
            Dialect::Postgres => format!("({expr})::{ty}"),
        }
    }

    fn text_compare(&self, expr: &str, op: CompareOp, p: &str) -> String {
        let contains = match self.dialect {
            Dialect::Sqlite => format!("instr({expr}, {p}) > 0"),
            Dialect::Postgres => format!("strpos({expr}, {p}) > 0"),
        };
        match op {
            CompareOp::Co => contains,
            CompareOp::Sw => format!("substr({expr}, 1, length({p})) = {p}"),
            CompareOp::Ew => format!("substr({expr}, length({expr}) - length({p}) + 1) = {p}"),
            other => ordered_compare(expr, other, p).unwrap_or_else(|| "1 = 0".into()),
        }
    }
}

fn present_sql(operand: &Operand) -> String {
    match operand {
        Operand::Text { expr, .. } => format!("({expr} is not null and {expr} <> '')"),
        Operand::Json { expr, .. } => format!("{expr} is not null"),
        Operand::Millis(c) | Operand::Flag(c) => format!("{c} is not null"),
    }
}

fn equality(expr: &str, op: CompareOp, p: &str) -> Option<String> {
    match op {
        CompareOp::Eq => Some(format!("{expr} = {p}")),
        CompareOp::Ne => Some(format!("({expr} is null or {expr} <> {p})")),
        _ => None,
    }
}

fn ordered_compare(expr: &str, op: CompareOp, p: &str) -> Option<String> {
    let sym = match op {
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        CompareOp::Eq | CompareOp::Ne => return equality(expr, op, p),
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => return None,
    };
    Some(format!("{expr} {sym} {p}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim::filter::{parse, FilterLimits};

    fn sql(filter: &str, dialect: Dialect) -> Where {
        to_sql(&parse(filter, &FilterLimits::default()).unwrap(), dialect, 2).unwrap()
    }

    #[test]
    fn user_name_uses_the_folded_indexed_column() {
        let w = sql("userName eq \"BJensen@Example.com\"", Dialect::Sqlite);
        assert_eq!(w.sql, "user_name_ci = $2");
        assert_eq!(w.args, vec![Arg::Text("bjensen@example.com".into())]);
    }

    #[test]
    fn external_id_is_case_exact_and_logic_nests() {
        let w = sql("externalId eq \"A\" and (active eq true or not (id eq \"x\"))", Dialect::Postgres);
        assert_eq!(w.sql, "(external_id = $2 and (active = $3 or (not coalesce(user_id = $4, false))))");
        assert_eq!(w.args, vec![Arg::Text("A".into()), Arg::Bool(true), Arg::Text("x".into())]);
    }

    #[test]
    fn json_attributes_use_the_dialects_functions() {
        let w = sql("name.givenName sw \"Bar\"", Dialect::Sqlite);
        assert!(w.sql.contains("json_extract(resource, '$.\"name\".\"givenName\"')"), "{}", w.sql);
        let w = sql("name.givenName eq \"Bar\"", Dialect::Postgres);
        assert!(w.sql.contains("(resource::jsonb #>> '{\"name\",\"givenName\"}')"), "{}", w.sql);
    }

    #[test]
    fn multi_valued_attributes_match_any_element() {
        let w = sql("emails[type eq \"work\"].value eq \"a@b.c\"", Dialect::Sqlite);
        assert!(w.sql.starts_with("exists (select 1 from json_each(resource, '$.\"emails\"') as e where"), "{}", w.sql);
        let w = sql("emails co \"@example\"", Dialect::Postgres);
        assert!(w.sql.contains("jsonb_array_elements"), "{}", w.sql);
    }

    #[test]
    fn dates_bind_milliseconds_and_bad_input_is_an_invalid_filter() {
        let w = sql("meta.lastModified gt \"2011-05-13T04:42:34Z\"", Dialect::Sqlite);
        assert_eq!(w.sql, "updated_at > $2");
        assert_eq!(w.args, vec![Arg::Int(1_305_261_754_000)]);
        for bad in ["meta.lastModified gt \"yesterday\"", "active eq \"yes\"", "nosuch eq \"x\"", "name eq \"x\""] {
            let f = parse(bad, &FilterLimits::default()).unwrap();
            let err = to_sql(&f, Dialect::Sqlite, 1).unwrap_err();
            assert_eq!(err.scim_type, Some(scim::ScimType::InvalidFilter), "{bad}");
        }
    }
}
