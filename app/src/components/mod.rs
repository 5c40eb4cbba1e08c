//! Pieces shared by several pages.

pub mod application_mapping;
pub mod audit_table;
pub mod confirm_button;
pub mod copy_button;
pub mod directory;
pub mod download_link;
pub mod error_box;
pub mod field;
pub mod history_table;
pub mod integrations_nav;
pub mod log_chart;
pub mod log_drawer;
pub mod log_filters;
pub mod log_table;
pub mod onboarding_checklist;
pub mod polling;
pub mod scim_tabs;
pub mod security_headers;
pub mod tenant_nav;
pub mod top_bar;
pub mod typed_confirm;
pub mod when;

use leptos::prelude::*;

/// `false` while the page is only server-rendered, `true` once it is hydrated: buttons whose
/// work needs the browser's code stay disabled until they can do it.
pub fn use_interactive() -> Signal<bool> {
    let ready = RwSignal::new(false);
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| ready.set(true));
    ready.into()
}
