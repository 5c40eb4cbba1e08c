//! The navigation of the selected tenant, in the order an administrator works through it: tabs on
//! wide screens, a menu that opens on a tap on narrow ones (CSS picks one; both work before the
//! WASM has loaded).

use leptos::html::Details;
use leptos::prelude::*;
use leptos_router::components::A;

/// Each section's label and its path below `/tenants/<tenant>`; Overview matches exactly.
const SECTIONS: [(&str, &str); 8] = [
    ("Overview", ""),
    ("Users", "/users"),
    ("Groups", "/groups"),
    ("Provisioning log", "/log"),
    ("Integrations", "/integrations"),
    ("Administrators", "/admins"),
    ("Audit trail", "/audit"),
    ("Settings", "/settings"),
];

/// The section links for `tenant`; `on_follow` runs when one is followed.
fn links(tenant: Signal<String>, on_follow: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    SECTIONS
        .into_iter()
        .map(|(label, suffix)| {
            let href = move || format!("/tenants/{}{suffix}", tenant.get());
            view! { <A href=href exact=suffix.is_empty() on:click=move |_| on_follow()>{label}</A> }
        })
        .collect_view()
}

/// Tabs (wide screens) and a "Menu" that folds them away (narrow screens).
#[component]
pub fn TenantNav(tenant: Signal<String>) -> impl IntoView {
    let menu = NodeRef::<Details>::new();
    let close_menu = move || {
        if let Some(details) = menu.get_untracked() {
            details.set_open(false);
        }
    };
    view! {
        <nav class="tabs" aria-label="Tenant">{links(tenant, || ())}</nav>
        <details class="nav-menu" node_ref=menu>
            <summary>"Menu"</summary>
            <nav aria-label="Tenant menu">{links(tenant, close_menu)}</nav>
        </details>
    }
}
