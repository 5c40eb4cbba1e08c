//! The sub-navigation of a tenant's SCIM integration: the panel and its Mappers page.

use leptos::prelude::*;
use leptos_router::components::A;

/// "Settings and credentials" | "Mappers", for the tenant `tenant`.
#[component]
pub fn ScimTabs(tenant: Signal<String>) -> impl IntoView {
    let base = move || format!("/tenants/{}/integrations/scim", tenant.get());
    view! {
        <nav class="subtabs" aria-label="SCIM integration">
            <A href=base exact=true>"Settings and credentials"</A>
            <A href=move || format!("{}/mappers", base())>"Mappers"</A>
        </nav>
    }
}
