//! The first level of a tenant's *Integrations*: the SCIM endpoint identity providers write to,
//! and the applications scimhub provisions onward.

use leptos::prelude::*;
use leptos_router::components::A;

/// "SCIM" | "Applications", for the tenant `tenant`.
#[component]
pub fn IntegrationsNav(tenant: Signal<String>) -> impl IntoView {
    let base = move || format!("/tenants/{}/integrations", tenant.get());
    view! {
        <nav class="subtabs" aria-label="Integrations">
            <A href=move || format!("{}/scim", base())>"SCIM"</A>
            <A href=move || format!("{}/applications", base())>"Applications"</A>
        </nav>
    }
}

/// `/tenants/:tenant/integrations`: sends the browser on to the SCIM endpoint, the first thing an
/// administrator sets up (a redirect on the server; a navigation in the browser).
#[component]
pub fn IntegrationsIndex() -> impl IntoView {
    let tenant = crate::pages::tenant::use_tenant();
    view! { <leptos_router::components::Redirect path=format!("/tenants/{}/integrations/scim", tenant.get_untracked())/> }
}
