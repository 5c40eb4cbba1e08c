//! The heading and sub-navigation of a tenant's *Integrations → SCIM*: the endpoint with its
//! credentials, and the Mappers page.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::integrations_nav::IntegrationsNav;

/// "Integrations → SCIM", then "SCIM endpoint" | "Mappers", for the tenant `tenant`.
#[component]
pub fn ScimTabs(tenant: Signal<String>) -> impl IntoView {
    let base = move || format!("/tenants/{}/integrations/scim", tenant.get());
    view! {
        <IntegrationsNav tenant/>
        <h2>"Integrations → SCIM"</h2>
        <nav class="subtabs" aria-label="Integrations → SCIM">
            <A href=base exact=true>"SCIM endpoint"</A>
            <A href=move || format!("{}/mappers", base())>"Mappers"</A>
        </nav>
    }
}
