//! SCIM filters translated to SQL (RFC 7644 §3.4.2.2), for users and groups alike: a
//! [`Mapping`] says which attributes of a resource type have their own indexed column (id,
//! externalId, userName, displayName, active, meta dates) and which multi-valued attributes are
//! rows of another table (a user's `groups`, a group's `members`); those compare on the column
//! or through an `exists` over the rows. Every other attribute goes through the dialect's JSON
//! functions, and multi-valued ones through an `exists` over their elements. Attribute names in
//! the SQL come from the static mappings and schemas, never from the request; values are always
//! bound.

use scim::filter::FilterLimits;
use scim::filter::{CompValue, CompareOp, Filter};
use scim::list::{ListQuery, SortOrder};
use scim::path::AttrPath;
use scim::schema::{AttrType, AttributeDef, ResourceSchema, GROUP_RESOURCE, USER_RESOURCE};
use scim::ScimError;

use crate::db::group::fold_display_name;
use crate::db::sql::{Arg, OrderBy, Where};
use crate::db::user::fold_user_name;
use crate::db::Dialect;

/// How a column compares.
#[derive(Debug, Clone, Copy)]
pub enum Column {
    /// Text compared as stored (caseExact).
    Exact(&'static str),
    /// Text compared case-insensitively, `lower()` on both sides.
    Lower(&'static str),
    /// Text stored folded by this function (and indexed so); values are folded the same way.
    Folded(&'static str, fn(&str) -> String),
    /// An integer column holding a time in ms.
    Millis(&'static str),
    /// A flag column.
    Flag(&'static str),
}

/// A multi-valued attribute stored as rows of another table, aliased `r` in `from`.
#[derive(Debug)]
pub struct Relation {
    /// The attribute (`groups`, `members`).
    pub attr: &'static str,
    /// The rows: a `from` clause whose main table is aliased `r`.
    pub from: &'static str,
    /// The condition that ties the rows to the outer resource row.
    pub correlation: &'static str,
    /// The sub-attributes that can be filtered on, with their expression over the rows.
    pub subs: &'static [(&'static str, Column)],
}

/// The SQL shape of one resource type.
#[derive(Debug)]
pub struct Mapping {
    /// Attribute names resolve against this schema.
    pub schema: &'static ResourceSchema,
    /// (attribute, sub-attribute, column) for the attributes with their own column.
    pub columns: &'static [(&'static str, Option<&'static str>, Column)],
    /// Multi-valued attributes stored as rows.
    pub relations: &'static [Relation],
}

/// Users: the `scim_user` table; `groups` are the user's rows of `group_member`.
pub const USERS: Mapping = Mapping {
    schema: &USER_RESOURCE,
    columns: &[
        ("id", None, Column::Exact("user_id")),
        ("externalId", None, Column::Exact("external_id")),
        ("userName", None, Column::Folded("user_name_ci", fold_user_name)),
        ("displayName", None, Column::Lower("display_name")),
        ("active", None, Column::Flag("active")),
        ("meta", Some("created"), Column::Millis("created_at")),
        ("meta", Some("lastModified"), Column::Millis("updated_at")),
    ],
    relations: &[Relation {
        attr: "groups",
        from: "group_member r join scim_group g on g.group_id = r.group_id",
        correlation: "r.tenant_id = scim_user.tenant_id and r.member_id = scim_user.user_id",
        subs: &[
            ("value", Column::Exact("r.group_id")),
            ("display", Column::Lower("g.display_name")),
            ("type", Column::Exact("'direct'")),
        ],
    }],
};

/// Groups: the `scim_group` table; `members` are the group's rows of `group_member`.
pub const GROUPS: Mapping = Mapping {
    schema: &GROUP_RESOURCE,
    columns: &[
        ("id", None, Column::Exact("group_id")),
        ("externalId", None, Column::Exact("external_id")),
        ("displayName", None, Column::Folded("display_name_ci", fold_display_name)),
        ("meta", Some("created"), Column::Millis("created_at")),
        ("meta", Some("lastModified"), Column::Millis("updated_at")),
    ],
    relations: &[Relation {
        attr: "members",
        from: "group_member r",
        correlation: "r.group_id = scim_group.group_id",
        subs: &[("value", Column::Exact("r.member_id")), ("type", Column::Lower("r.member_type"))],
    }],
};

/// Translates `filter` on the resource type `mapping` describes; placeholders are numbered
/// from `$first`.
pub fn to_sql(filter: &Filter, mapping: &'static Mapping, dialect: Dialect, first: usize) -> Result<Where, ScimError> {
    to_sql_in(filter, mapping, mapping.schema, dialect, first)
}

/// [`to_sql`] with attribute names resolved against `schema`: a tenant's User resource type,
/// which adds the custom extensions its mappers read, so every attribute `/Schemas` publishes
/// for the tenant can be filtered on.
pub fn to_sql_in(
    filter: &Filter,
    mapping: &'static Mapping,
    schema: &'static ResourceSchema,
    dialect: Dialect,
    first: usize,
) -> Result<Where, ScimError> {
    let mut t = Translator { mapping, schema, dialect, next: first, args: Vec::new() };
    let sql = t.filter(filter)?;
    Ok(Where { sql, args: t.args })
}

/// Translates a value filter on the rows of relation `attr` (`members[value eq "…"]` in a PATCH
/// path) into a condition over the row `r`; placeholders are numbered from `$first`.
pub fn element_to_sql(
    attr: &str,
    filter: &Filter,
    mapping: &'static Mapping,
    dialect: Dialect,
    first: usize,
) -> Result<Where, ScimError> {
    let mut t = Translator { mapping, schema: mapping.schema, dialect, next: first, args: Vec::new() };
    let relation = mapping
        .relations
        .iter()
        .find(|r| r.attr.eq_ignore_ascii_case(attr))
        .ok_or_else(|| ScimError::invalid_filter(format!("\"{attr}\" is not a list of rows")))?;
    let def = mapping
        .schema
        .attribute(None, relation.attr)
        .ok_or_else(|| ScimError::invalid_filter(format!("unknown attribute \"{attr}\"")))?;
    let sql = t.element_filter(def, &Elements::Rows(relation), filter)?;
    Ok(Where { sql, args: t.args })
}

/// A list request (RFC 7644 §3.4.2) in SQL terms.
#[derive(Debug)]
pub struct ListPlan {
    /// The `filter`.
    pub filter: Where,
    /// The `sortBy`/`sortOrder`.
    pub order: Option<OrderBy>,
    /// Rows to skip (`startIndex` − 1).
    pub offset: u64,
    /// Rows to return (`count`, bounded by the maximum page size); 0 asks only for the total.
    pub limit: u64,
}

impl ListPlan {
    /// The total number of matches, when the page fetched (`rows` long) already tells it: a page
    /// shorter than asked for is the last one, so no count query is needed — the common case of
    /// Entra's existence check (`userName eq "…"`, zero or one match).
    pub fn total_from_page(&self, rows: usize) -> Option<u64> {
        let rows = rows as u64;
        (self.limit > 0 && rows < self.limit && (rows > 0 || self.offset == 0)).then_some(self.offset + rows)
    }
}

/// Translates a list request on the resource type `mapping` describes, its attribute names
/// resolved against `schema` (see [`to_sql_in`]); filter placeholders are numbered from `$2`
/// (`$1` is the tenant).
pub fn plan(
    query: &ListQuery,
    mapping: &'static Mapping,
    schema: &'static ResourceSchema,
    dialect: Dialect,
    limits: &FilterLimits,
    max_page_size: u64,
) -> Result<ListPlan, ScimError> {
    let filter = match &query.filter {
        Some(text) => to_sql_in(&scim::filter::parse(text, limits)?, mapping, schema, dialect, 2)?,
        None => Where::all(),
    };
    let order =
        query.sort_by.as_ref().map(|path| sort_key(path, query.sort_order, mapping, schema, dialect)).transpose()?;
    Ok(ListPlan {
        filter,
        order,
        offset: query.start_index.saturating_sub(1),
        limit: query.page_size(max_page_size.min(100), max_page_size),
    })
}

/// The sort key for `sortBy` (RFC 7644 §3.4.2.3): the attribute's column or its JSON value; a
/// multi-valued attribute sorts by its first element's `value`. Strings sort case-insensitively
/// unless the attribute is caseExact.
pub fn sort_key(
    path: &AttrPath,
    order: SortOrder,
    mapping: &'static Mapping,
    schema: &'static ResourceSchema,
    dialect: Dialect,
) -> Result<OrderBy, ScimError> {
    let t = Translator { mapping, schema, dialect, next: 1, args: Vec::new() };
    let invalid = |e: ScimError| ScimError::invalid_value(format!("sortBy: {}", e.detail));
    let key = match t.operand(path).map_err(invalid)? {
        Some(Operand::Text { expr, fold: Fold::Lower }) => format!("lower({expr})"),
        Some(Operand::Text { expr, .. }) => expr,
        Some(Operand::Millis(column) | Operand::Flag(column)) => column.to_owned(),
        Some(Operand::Json { expr, ty: AttrType::Boolean }) => expr,
        Some(Operand::Json { expr, .. }) => t.typed(&expr, "numeric"),
        None => {
            let (def, sub) = t.resolve(path).map_err(invalid)?;
            let Elements::Json { def, urn } = t.elements(def, path) else {
                return Err(ScimError::invalid_value(format!("sortBy: cannot sort by \"{path}\"")));
            };
            let sub = sub.or_else(|| def.sub_attribute("value")).map(|s| s.name);
            let mut keys: Vec<&str> = urn.into_iter().collect();
            keys.push(def.name);
            keys.push("0");
            keys.extend(sub);
            format!("lower({})", t.json_path("resource", &keys))
        }
    };
    Ok(OrderBy { key, descending: order == SortOrder::Descending })
}

struct Translator {
    mapping: &'static Mapping,
    /// Attribute names resolve against this schema (the mapping's, or a tenant's).
    schema: &'static ResourceSchema,
    dialect: Dialect,
    next: usize,
    args: Vec<Arg>,
}

/// How text compares.
#[derive(Clone, Copy)]
enum Fold {
    /// As stored.
    Exact,
    /// `lower()` on both sides.
    Lower,
    /// The column is folded already; fold the value with this function.
    Stored(fn(&str) -> String),
}

/// How an operand is reached in SQL.
enum Operand {
    /// A column or JSON expression yielding text (or NULL).
    Text { expr: String, fold: Fold },
    /// An integer column holding a time in ms.
    Millis(&'static str),
    /// A flag column.
    Flag(&'static str),
    /// A JSON value of another type, with its schema type.
    Json { expr: String, ty: AttrType },
}

impl From<Column> for Operand {
    fn from(column: Column) -> Operand {
        match column {
            Column::Exact(c) => Operand::Text { expr: c.into(), fold: Fold::Exact },
            Column::Lower(c) => Operand::Text { expr: c.into(), fold: Fold::Lower },
            Column::Folded(c, f) => Operand::Text { expr: c.into(), fold: Fold::Stored(f) },
            Column::Millis(c) => Operand::Millis(c),
            Column::Flag(c) => Operand::Flag(c),
        }
    }
}

/// Where the elements of a multi-valued attribute live.
enum Elements {
    /// In the resource JSON, at this attribute (of this extension, if any).
    Json { def: &'static AttributeDef, urn: Option<&'static str> },
    /// In rows of another table.
    Rows(&'static Relation),
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

    fn resolve(&self, path: &AttrPath) -> Result<(&'static AttributeDef, Option<&'static AttributeDef>), ScimError> {
        path.resolve(self.schema).ok_or_else(|| ScimError::invalid_filter(format!("unknown attribute \"{path}\"")))
    }

    /// The operand for a top-level path, or `None` when the attribute is multi-valued.
    fn operand(&self, path: &AttrPath) -> Result<Option<Operand>, ScimError> {
        let (def, sub) = self.resolve(path)?;
        let sub_name = sub.map(|s| s.name);
        if let Some((.., column)) = self.mapping.columns.iter().find(|(a, s, _)| *a == def.name && *s == sub_name) {
            return Ok(Some(Operand::from(*column)));
        }
        if def.name == "meta" {
            // meta is derived from columns, never stored in the JSON.
            return Err(ScimError::invalid_filter(format!("filtering on \"{path}\" is not supported")));
        }
        if def.multi_valued {
            return Ok(None);
        }
        let urn = self.urn_of(path);
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
            _ => Operand::Text { expr, fold: if def.case_exact { Fold::Exact } else { Fold::Lower } },
        }
    }

    /// Text of the value at `keys` inside the JSON column or element `doc`.
    /// Keys that are all digits index arrays.
    fn json_path(&self, doc: &str, keys: &[&str]) -> String {
        match self.dialect {
            Dialect::Sqlite => {
                let step = |k: &&str| {
                    if k.bytes().all(|b| b.is_ascii_digit()) {
                        format!("[{k}]")
                    } else {
                        format!(".\"{k}\"")
                    }
                };
                let path: String = keys.iter().map(step).collect();
                format!("json_extract({doc}, '${path}')")
            }
            Dialect::Postgres => {
                let doc = if doc == "resource" { "resource::jsonb".to_owned() } else { doc.to_owned() };
                let path: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
                format!("({doc} #>> '{{{}}}')", path.join(","))
            }
        }
    }

    /// The extension URN of a path's attribute (`None` for the core schema).
    fn urn_of(&self, path: &AttrPath) -> Option<&'static str> {
        let schema = self.schema;
        path.schema_urn(schema).filter(|u| *u != schema.core.id)
    }

    /// Where the elements of the multi-valued attribute `def` (named by `path`) live.
    fn elements(&self, def: &'static AttributeDef, path: &AttrPath) -> Elements {
        match self.mapping.relations.iter().find(|r| r.attr == def.name) {
            Some(relation) => Elements::Rows(relation),
            None => Elements::Json { def, urn: self.urn_of(path) },
        }
    }

    /// `exists (select 1 from <elements> where <cond>)`.
    fn exists(&self, elements: &Elements, cond: &str) -> String {
        let (def, urn) = match elements {
            Elements::Rows(r) => {
                return format!("exists (select 1 from {} where {} and {cond})", r.from, r.correlation)
            }
            Elements::Json { def, urn } => (def, urn),
        };
        let mut keys: Vec<&str> = urn.iter().copied().collect();
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

    /// The operand for a sub-attribute of one element.
    fn element_operand(&self, elements: &Elements, sub: &AttributeDef) -> Result<Operand, ScimError> {
        match elements {
            Elements::Json { .. } => Ok(self.json_operand(self.json_path("e.value", &[sub.name]), sub)),
            Elements::Rows(r) => {
                r.subs.iter().find(|(name, _)| *name == sub.name).map(|(_, c)| Operand::from(*c)).ok_or_else(|| {
                    ScimError::invalid_filter(format!("filtering on \"{}.{}\" is not supported", r.attr, sub.name))
                })
            }
        }
    }

    fn present(&mut self, path: &AttrPath) -> Result<String, ScimError> {
        match self.operand(path)? {
            Some(op) => Ok(present_sql(&op)),
            None => {
                let (def, sub) = self.resolve(path)?;
                let elements = self.elements(def, path);
                let cond = match sub {
                    Some(sub) => present_sql(&self.element_operand(&elements, sub)?),
                    None => "1 = 1".to_owned(),
                };
                Ok(self.exists(&elements, &cond))
            }
        }
    }

    fn compare(&mut self, path: &AttrPath, op: CompareOp, value: &CompValue) -> Result<String, ScimError> {
        match self.operand(path)? {
            Some(operand) => self.compare_operand(&operand, op, value, path),
            None => {
                // A multi-valued attribute: any element matches (RFC 7644 §3.4.2.2). Without a
                // sub-attribute, complex elements compare their `value`.
                let (def, sub) = self.resolve(path)?;
                let sub = match sub.or_else(|| def.sub_attribute("value")) {
                    Some(sub) => sub,
                    None => return Err(ScimError::invalid_filter(format!("cannot compare \"{path}\""))),
                };
                let elements = self.elements(def, path);
                let operand = self.element_operand(&elements, sub)?;
                let cond = self.compare_operand(&operand, op, value, path)?;
                Ok(self.exists(&elements, &cond))
            }
        }
    }

    fn value_path(&mut self, path: &AttrPath, inner: &Filter) -> Result<String, ScimError> {
        let (def, _) = self.resolve(path)?;
        if !def.multi_valued || def.ty != AttrType::Complex {
            return Err(ScimError::invalid_filter(format!("\"{path}\" is not a multi-valued complex attribute")));
        }
        let elements = self.elements(def, path);
        let cond = self.element_filter(def, &elements, inner)?;
        Ok(self.exists(&elements, &cond))
    }

    /// A filter inside `attr[...]`, whose paths name sub-attributes of `parent`.
    fn element_filter(&mut self, parent: &AttributeDef, elements: &Elements, f: &Filter) -> Result<String, ScimError> {
        let sub_of = |path: &AttrPath| {
            let name = path.sub_attr.as_deref().unwrap_or(&path.attr);
            parent.sub_attribute(name).ok_or_else(|| {
                ScimError::invalid_filter(format!("\"{}\" has no sub-attribute \"{name}\"", parent.name))
            })
        };
        match f {
            Filter::And(a, b) => Ok(format!(
                "({} and {})",
                self.element_filter(parent, elements, a)?,
                self.element_filter(parent, elements, b)?
            )),
            Filter::Or(a, b) => Ok(format!(
                "({} or {})",
                self.element_filter(parent, elements, a)?,
                self.element_filter(parent, elements, b)?
            )),
            Filter::Not(a) => Ok(format!("(not coalesce({}, false))", self.element_filter(parent, elements, a)?)),
            Filter::Present(path) => Ok(present_sql(&self.element_operand(elements, sub_of(path)?)?)),
            Filter::Compare { path, op, value } => {
                let operand = self.element_operand(elements, sub_of(path)?)?;
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
            Operand::Text { expr, fold } => {
                let CompValue::String(s) = value else { return Err(mismatch()) };
                let (expr, s) = match fold {
                    Fold::Exact => (expr.clone(), s.clone()),
                    Fold::Lower => (format!("lower({expr})"), s.to_lowercase()),
                    Fold::Stored(f) => (expr.clone(), f(s)),
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
        to_sql(&parse(filter, &FilterLimits::default()).unwrap(), &USERS, dialect, 2).unwrap()
    }

    fn group_sql(filter: &str, dialect: Dialect) -> Where {
        to_sql(&parse(filter, &FilterLimits::default()).unwrap(), &GROUPS, dialect, 2).unwrap()
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
            let err = to_sql(&f, &USERS, Dialect::Sqlite, 1).unwrap_err();
            assert_eq!(err.scim_type, Some(scim::ScimType::InvalidFilter), "{bad}");
        }
    }

    #[test]
    fn a_users_groups_are_rows_of_the_membership_table() {
        let w = sql("groups.value eq \"g1\"", Dialect::Sqlite);
        assert_eq!(
            w.sql,
            "exists (select 1 from group_member r join scim_group g on g.group_id = r.group_id \
             where r.tenant_id = scim_user.tenant_id and r.member_id = scim_user.user_id and r.group_id = $2)"
        );
        let w = sql("groups[value eq \"g1\" or display eq \"Admins\"]", Dialect::Postgres);
        assert!(w.sql.ends_with("and (r.group_id = $2 or lower(g.display_name) = $3))"), "{}", w.sql);
        assert_eq!(w.args, vec![Arg::Text("g1".into()), Arg::Text("admins".into())]);
        let f = parse("groups.$ref eq \"x\"", &FilterLimits::default()).unwrap();
        assert!(to_sql(&f, &USERS, Dialect::Sqlite, 2).is_err());
    }

    #[test]
    fn group_display_names_use_the_folded_indexed_column_and_members_are_rows() {
        let w = group_sql("displayName eq \"Tour Guides\"", Dialect::Sqlite);
        assert_eq!(w.sql, "display_name_ci = $2");
        assert_eq!(w.args, vec![Arg::Text("tour guides".into())]);
        let w = group_sql("members[value eq \"u1\"] and externalId eq \"e\"", Dialect::Postgres);
        assert_eq!(
            w.sql,
            "(exists (select 1 from group_member r where r.group_id = scim_group.group_id and r.member_id = $2) \
             and external_id = $3)"
        );
        let w = group_sql("members.value eq \"u1\"", Dialect::Sqlite);
        assert!(w.sql.starts_with("exists (select 1 from group_member r"), "{}", w.sql);
    }

    #[test]
    fn member_value_filters_become_conditions_on_the_rows() {
        let f = parse("value eq \"a\" or type eq \"user\"", &FilterLimits::default()).unwrap();
        let w = element_to_sql("members", &f, &GROUPS, Dialect::Sqlite, 3).unwrap();
        assert_eq!(w.sql, "(r.member_id = $3 or lower(r.member_type) = $4)");
        let f = parse("display eq \"a\"", &FilterLimits::default()).unwrap();
        assert!(element_to_sql("members", &f, &GROUPS, Dialect::Sqlite, 3).is_err());
    }

    #[test]
    fn a_short_page_tells_the_total() {
        let plan = |offset, limit| ListPlan { filter: Where::all(), order: None, offset, limit };
        assert_eq!(plan(0, 100).total_from_page(0), Some(0));
        assert_eq!(plan(0, 100).total_from_page(1), Some(1));
        assert_eq!(plan(200, 100).total_from_page(7), Some(207));
        assert_eq!(plan(200, 100).total_from_page(0), None, "past the end: the total is unknown");
        assert_eq!(plan(0, 100).total_from_page(100), None, "a full page: there may be more");
        assert_eq!(plan(0, 0).total_from_page(0), None, "count=0 asks for the total only");
    }
}
