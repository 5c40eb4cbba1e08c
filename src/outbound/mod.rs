//! Outbound provisioning: scimhub as a hub. Each tenant's committed changes are pushed on to the
//! applications connected to it — SCIM 2.0 services and signed webhooks — through a
//! transactional outbox (`db::outbound`): the change, its log row and one event per application
//! commit together, and the [`worker`] delivers them. docs/architecture.md, "Outbound
//! provisioning", and docs/applications.md tell the rest.

pub mod application;
pub mod client;
pub mod journal;
pub mod manage;
pub mod mapping;
pub mod reconcile;
pub mod scim_target;
pub mod webhook;
pub mod worker;
