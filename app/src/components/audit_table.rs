//! A table of audit-trail entries.

use leptos::prelude::*;

use crate::components::when::When;
use crate::dto::AuditRow;

/// The entries, newest first; with `show_tenant`, a column names each entry's tenant.
#[component]
pub fn AuditTable(rows: Vec<AuditRow>, #[prop(optional)] show_tenant: bool) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p data-testid="audit-empty">"No changes yet."</p> }.into_any();
    }
    view! {
        <div class="table-scroll"><table class="audit">
            <thead><tr>
                <th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"From"</th>
                {show_tenant.then(|| view! { <th scope="col">"Tenant"</th> })}
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr data-action=r.action.clone()>
                        <td><When at=r.time.clone()/></td>
                        <td>{r.actor}</td>
                        <td>{r.summary}</td>
                        <td>{r.client_addr.unwrap_or_default()}</td>
                        {show_tenant.then(|| view! { <td>{r.tenant.unwrap_or_else(|| "(platform)".into())}</td> })}
                    </tr>
                }).collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}
