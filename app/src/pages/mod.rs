//! One module per route.

pub mod admins;
pub mod alert_settings;
pub mod api_tokens;
pub mod applications;
pub mod audit;
pub mod group_detail;
pub mod groups;
pub mod home;
pub mod integrations;
pub mod log;
pub mod login;
pub mod mappers;
pub mod not_found;
pub mod tenant;
pub mod tenant_settings;
pub mod user_detail;
pub mod users;
