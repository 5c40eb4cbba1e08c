//! `/tenants/:tenant/log`: every SCIM request, newest first.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::list_log;
use crate::components::error_box::ErrorBox;
use crate::pages::tenant::use_tenant;

/// The provisioning log, paginated with `?before=<row id>`.
#[component]
pub fn LogPage() -> impl IntoView {
    let tenant = use_tenant();
    let query = use_query_map();
    let before = move || query.read().get("before").and_then(|s| s.parse::<i64>().ok());
    let page = Resource::new(move || (tenant.get(), before()), |(t, b)| list_log(t, b));
    view! {
        <h2>"Provisioning log"</h2>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => view! {
                        <table class="log">
                            <thead><tr>
                                <th>"Time"</th><th>"Method"</th><th>"Path"</th><th>"Operation"</th>
                                <th>"Status"</th><th>"Resource"</th><th>"User name"</th><th>"Detail"</th>
                            </tr></thead>
                            <tbody>
                                {p.rows.into_iter().map(|r| {
                                    let class = if r.status >= 500 { "status err" } else if r.status >= 400 { "status warn" } else { "status ok" };
                                    view! {
                                        <tr>
                                            <td>{r.time}</td>
                                            <td>{r.method}</td>
                                            <td><code>{r.path}</code></td>
                                            <td>{r.operation}</td>
                                            <td><span class=class>{r.status}</span></td>
                                            <td><code>{r.resource.unwrap_or_default()}</code></td>
                                            <td>{r.user_name.unwrap_or_default()}</td>
                                            <td>{r.detail.unwrap_or_default()}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        {p.next_before.map(|b| view! { <nav class="pager"><a href=format!("?before={b}")>"Older"</a></nav> })}
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}
