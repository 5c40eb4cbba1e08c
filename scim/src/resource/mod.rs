//! Incoming resources (RFC 7643 §2, §4; RFC 7644 §3.3, §3.5.1): validation of client-supplied
//! User and Group bodies against their [`ResourceSchema`], canonicalisation (attribute names in
//! the schema's case, `manager` as `{"value": …}`, nulls and empty arrays dropped), the split
//! of write-only values such as `password`, and response projection (RFC 7644 §3.4.2.5, §3.9).
//!
//! Everything here is driven by the [`ResourceSchema`] value passed in: a tenant with custom
//! extensions only needs a `ResourceSchema` that lists them.
//!
//! The module is split by concern: the options and entry points live here, reading values of
//! a canonical resource in `access`, resolving names against the schema in `lookup`, the
//! resource-level rules in `normalize`, the value-level ones in `value` and response projection
//! in `project`.

use serde_json::Value;

use crate::error::ScimError;
use crate::schema::ResourceSchema;

mod access;
mod lookup;
mod normalize;
mod project;
mod value;

pub(crate) use access::is_filled;
pub use access::{active, display_name, external_id, has_value, preferred_email, take_password, user_name};
pub(crate) use lookup::{attr_display, locate, whole_schema};
use normalize::normalize_resource;
pub use project::project;
pub(crate) use value::{is_manager, normalize_value};

/// How tolerant to be of non-RFC shapes. Azure = Entra ID's known shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tolerance {
    /// RFC 7643/7644 as written (plus tolerance that cannot change meaning).
    Strict,
    /// Also accept Entra ID's shapes: string booleans, single values for multi-valued
    /// attributes, unknown URNs in `schemas`, a PATCH body without the PatchOp schema.
    Azure,
}

/// A validated resource ready to store, plus the write-only values split off it.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The canonical resource, without `password`.
    pub resource: Value,
    /// The cleartext password the client set, if any (RFC 7643 §4.1.1: never returned).
    pub password: Option<String>,
}

/// Whether values come from a client (read-only values are ignored, unknown names rejected) or
/// are a stored/patched resource (read-only values kept, unknown data kept as it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A client-supplied body or PATCH value.
    Input,
    /// A resource as stored or as produced by PATCH.
    Stored,
}

/// The options of one normalisation run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    /// Which non-RFC shapes are accepted.
    pub tolerance: Tolerance,
    /// Input or stored data.
    pub mode: Mode,
}

/// Validates and canonicalises a client-supplied User or Group body for create (POST) or replace (PUT).
///
/// RFC 7644 §3.3 and §3.5.1: read-only attributes (`id`, `meta`, `groups`, members' `display`)
/// are ignored; `password` is moved to [`Prepared::password`].
pub fn prepare(body: Value, schema: &ResourceSchema, tolerance: Tolerance) -> Result<Prepared, ScimError> {
    let Value::Object(map) = body else {
        return Err(ScimError::invalid_syntax("the request body must be a JSON object"));
    };
    let ctx = Ctx { tolerance, mode: Mode::Input };
    let mut resource = normalize_resource(map, schema, ctx)?;
    let password = take_password(&mut resource);
    Ok(Prepared { resource, password })
}

/// Canonicalises a resource after PATCH (same rules, used by the patch engine's result).
///
/// Unlike [`prepare`] it keeps read-only values (`id`, `meta`, …), keeps data it does not know
/// (e.g. of an extension the tenant has since removed) and keeps `password`: a PATCH that sets
/// the password leaves it in the resource, and the caller takes it out with [`take_password`].
/// On error `resource` is unchanged.
pub fn canonicalize(resource: &mut Value, schema: &ResourceSchema, tolerance: Tolerance) -> Result<(), ScimError> {
    let Value::Object(map) = resource else {
        return Err(ScimError::invalid_syntax("a resource must be a JSON object"));
    };
    let ctx = Ctx { tolerance, mode: Mode::Stored };
    *resource = normalize_resource(map.clone(), schema, ctx)?;
    Ok(())
}

#[cfg(test)]
mod tests;
