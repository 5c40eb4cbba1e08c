//! Value-filtered paths (`emails[type eq "work"].value`, `members[value eq "<id>"]`, RFC 7644
//! §3.5.2): changing the matching values, and creating one from the filter when none matches.

use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::filter::{CompValue, CompareOp, Filter};
use crate::resource::{self, Tolerance};
use crate::schema::AttributeDef;

use super::apply::Engine;
use super::target::Target;
use super::values::{clear_other_primaries, merge_subs, put_array, set_sub, take_array};
use super::PatchOpKind;

impl Engine<'_> {
    /// A filtered path: `emails[type eq "work"]`, `emails[type eq "work"].value`,
    /// `members[value eq "<id>"]` (RFC 7644 §3.5.2).
    pub(super) fn apply_filtered(
        &self,
        container: &mut Map<String, Value>,
        kind: PatchOpKind,
        t: &Target,
        filter: &Filter,
        value: Option<Value>,
    ) -> Result<(), ScimError> {
        let def = t.def;
        let hit: Vec<bool> = match container.get(def.name) {
            Some(Value::Array(items)) => items.iter().map(|item| filter.matches_element(item, def)).collect(),
            _ => Vec::new(),
        };
        if !hit.contains(&true) {
            return self.add_from_filter(container, kind, t, filter, value);
        }
        // The value for the matched elements (or their sub-attribute).
        let given = match (kind, value) {
            (PatchOpKind::Remove, _) | (_, None) => None,
            (_, Some(v)) => match t.sub {
                Some(sub) => resource::normalize_value(sub, v, &t.display, self.input)?,
                None => self.normalize_element(t, v)?,
            },
        };
        let mut pairs: Vec<(Value, bool)> = take_array(container, def.name).into_iter().zip(hit).collect();
        match (kind, t.sub, &given) {
            // RFC 7644 §3.5.2.2: the matching values are removed (a null replacement, too).
            (PatchOpKind::Remove, None, _) | (PatchOpKind::Replace, None, None) => pairs.retain(|(_, hit)| !hit),
            (_, Some(sub), _) => {
                for (item, _) in pairs.iter_mut().filter(|(_, hit)| *hit) {
                    if let Value::Object(obj) = item {
                        set_sub(obj, sub, given.clone(), t)?;
                    }
                }
            }
            // RFC 7644 §3.5.2.3: the matching values are replaced.
            (PatchOpKind::Replace, None, Some(new)) => {
                for (item, _) in pairs.iter_mut().filter(|(_, hit)| *hit) {
                    *item = new.clone();
                }
            }
            // Add with a filter and no sub-attribute: the given sub-attributes are set on the
            // matching values.
            (PatchOpKind::Add, None, _) => {
                if let Some(Value::Object(new)) = &given {
                    for (item, _) in pairs.iter_mut().filter(|(_, hit)| *hit) {
                        if let Value::Object(obj) = item {
                            merge_subs(obj, new.clone(), t)?;
                        }
                    }
                }
            }
        }
        pairs.retain(|(v, _)| v.as_object().is_none_or(|o| !o.is_empty()));
        let (mut items, hit): (Vec<Value>, Vec<bool>) = pairs.into_iter().unzip();
        if kind != PatchOpKind::Remove {
            clear_other_primaries(&mut items, &hit);
        }
        if items.is_empty() && def.required {
            return Err(t.required());
        }
        put_array(container, def.name, items);
        Ok(())
    }

    /// A filter that matched nothing. RFC 7644 §3.5.2.2/§3.5.2.3: remove and replace fail with
    /// noTarget. An add — and under Azure a replace, as Entra sends
    /// `{"op":"Replace","path":"emails[type eq \"work\"].value",…}` for users without a work
    /// email — creates the value when the filter is a conjunction of `eq` comparisons.
    fn add_from_filter(
        &self,
        container: &mut Map<String, Value>,
        kind: PatchOpKind,
        t: &Target,
        filter: &Filter,
        value: Option<Value>,
    ) -> Result<(), ScimError> {
        let creates = kind == PatchOpKind::Add || (kind == PatchOpKind::Replace && self.tolerance == Tolerance::Azure);
        if !creates {
            return Err(t.no_match());
        }
        let value = match value {
            None | Some(Value::Null) => return Ok(()),
            Some(v) => v,
        };
        let Some(mut element) = filter_template(filter, t.def) else {
            return Err(t.no_match());
        };
        match t.sub {
            Some(sub) => {
                element.insert(sub.name.to_string(), value);
            }
            None => match value {
                Value::Object(obj) => element.extend(obj),
                _ => return Err(ScimError::invalid_value(format!("attribute \"{}\": expected an object", t.display))),
            },
        }
        let Some(element) = self.normalize_element(t, Value::Object(element))? else {
            return Ok(());
        };
        let mut items = take_array(container, t.def.name);
        items.push(element);
        let mut touched = vec![false; items.len()];
        if let Some(last) = touched.last_mut() {
            *last = true;
        }
        clear_other_primaries(&mut items, &touched);
        put_array(container, t.def.name, items);
        Ok(())
    }

    /// Validates one element of a multi-valued attribute (a single object; Azure also accepts it
    /// wrapped in a one-element array).
    fn normalize_element(&self, t: &Target, value: Value) -> Result<Option<Value>, ScimError> {
        let value = match value {
            Value::Array(mut items) if items.len() == 1 && self.tolerance == Tolerance::Azure => items.remove(0),
            Value::Array(_) => {
                return Err(ScimError::invalid_value(format!("attribute \"{}\": expected a single value", t.display)))
            }
            other => other,
        };
        match resource::normalize_value(t.def, Value::Array(vec![value]), &t.display, self.input)? {
            Some(Value::Array(mut items)) if items.len() == 1 => Ok(Some(items.remove(0))),
            Some(_) => Err(ScimError::invalid_value(format!("attribute \"{}\": expected a single value", t.display))),
            None => Ok(None),
        }
    }
}

/// The value a filter describes, when it is a conjunction of `sub eq "literal"` comparisons:
/// `type eq "work"` → `{"type": "work"}`.
fn filter_template(filter: &Filter, def: &AttributeDef) -> Option<Map<String, Value>> {
    match filter {
        Filter::Compare { path, op: CompareOp::Eq, value } if path.urn.is_none() && path.sub_attr.is_none() => {
            let sub = def.sub_attribute(&path.attr)?;
            let value = match value {
                CompValue::Null => return None,
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Number(n) => Value::Number(n.clone()),
                CompValue::String(s) => Value::String(s.clone()),
            };
            let mut map = Map::new();
            map.insert(sub.name.to_string(), value);
            Some(map)
        }
        Filter::And(a, b) => {
            let mut left = filter_template(a, def)?;
            for (k, v) in filter_template(b, def)? {
                if left.get(&k).is_some_and(|existing| existing != &v) {
                    return None;
                }
                left.insert(k, v);
            }
            Some(left)
        }
        _ => None,
    }
}
