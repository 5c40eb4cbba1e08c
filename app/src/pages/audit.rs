//! The audit trail viewer: `/tenants/:tenant/audit` for one tenant, `/audit` platform-wide
//! (platform administrators). Filterable by text, paginated, exportable as CSV or JSON.

use leptos::prelude::*;

use crate::api::get_audit_page;
use crate::components::audit_table::AuditTable;
use crate::components::error_box::ErrorBox;
use crate::components::field::SearchBox;
use crate::pages::tenant::use_tenant;

/// One tenant's audit trail.
#[component]
pub fn TenantAuditPage() -> impl IntoView {
    let tenant = use_tenant();
    view! { <AuditViewer tenant=Signal::derive(move || Some(tenant.get()))/> }
}

/// The platform-wide audit trail.
#[component]
pub fn PlatformAuditPage() -> impl IntoView {
    view! {
        <section class="page">
            <h1>"Audit trail"</h1>
            <AuditViewer tenant=Signal::stored(None)/>
        </section>
    }
}

/// The export link of a filtered trail.
fn export_href(tenant: Option<&str>, search: &str, format: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("format", format);
    if let Some(t) = tenant {
        query.append_pair("tenant", t);
    }
    if !search.is_empty() {
        query.append_pair("q", search);
    }
    format!("/admin/audit/export?{}", query.finish())
}

#[component]
fn AuditViewer(tenant: Signal<Option<String>>) -> impl IntoView {
    let search = RwSignal::new(String::new());
    // The pages seen so far, as `before` cursors: the first page has none.
    let cursors = RwSignal::new(vec![None::<i64>]);
    let page = Resource::new(
        move || (tenant.get(), search.get(), cursors.with(|c| c.last().copied().flatten())),
        |(tenant, search, before)| get_audit_page(tenant.unwrap_or_default(), search, before),
    );
    let platform_wide = move || tenant.get().is_none();
    view! {
        <SearchBox id="audit-search" label="Filter" placeholder="Who, what or from where" value=search
            on_input=move |()| cursors.set(vec![None])>
            <a class="button secondary" download="" href=move || export_href(tenant.get().as_deref(), &search.get(), "csv")>"Export CSV"</a>
            <a class="button secondary" download="" href=move || export_href(tenant.get().as_deref(), &search.get(), "json")>"Export JSON"</a>
        </SearchBox>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => {
                        let next = p.next_before;
                        let first = cursors.with_untracked(|c| c.len() == 1);
                        view! {
                            <AuditTable rows=p.rows show_tenant=platform_wide()/>
                            <nav class="pager" aria-label="Audit pages">
                                <button type="button" class="secondary" disabled=first
                                    on:click=move |_| cursors.update(|c| { c.pop(); })>"Newer"</button>
                                <button type="button" class="secondary" disabled=next.is_none()
                                    on:click=move |_| cursors.update(|c| c.push(next))>"Older"</button>
                            </nav>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::export_href;

    #[test]
    fn export_links_carry_the_filter() {
        assert_eq!(export_href(None, "", "csv"), "/admin/audit/export?format=csv");
        assert_eq!(
            export_href(Some("Acme_1"), "rotate secret&x", "json"),
            "/admin/audit/export?format=json&tenant=Acme_1&q=rotate+secret%26x"
        );
    }
}
