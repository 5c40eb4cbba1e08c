//! `/tenants/:tenant/users`: the users the identity provider synced.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::list_users;
use crate::components::download_link::percent_encode;
use crate::components::error_box::ErrorBox;
use crate::pages::tenant::use_tenant;

/// The Users list, paginated with `?start=`.
#[component]
pub fn UsersPage() -> impl IntoView {
    let tenant = use_tenant();
    let query = use_query_map();
    let start = move || query.read().get("start").and_then(|s| s.parse::<u64>().ok()).unwrap_or(1).max(1);
    let page = Resource::new(move || (tenant.get(), start()), |(t, s)| list_users(t, s));
    view! {
        <h2>"Users"</h2>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => {
                        let base = format!("/tenants/{}/users", tenant.get_untracked());
                        let prev = (p.start_index > 1).then(|| p.start_index.saturating_sub(p.page_size).max(1));
                        let next = (p.start_index + p.page_size <= p.total).then(|| p.start_index + p.page_size);
                        let last = (p.start_index + p.users.len() as u64).saturating_sub(1);
                        view! {
                            <p class="hint">{format!("{} users", p.total)}</p>
                            <table>
                                <thead><tr>
                                    <th>"User name"</th><th>"Display name"</th><th>"External ID"</th>
                                    <th>"Status"</th><th>"Last modified"</th>
                                </tr></thead>
                                <tbody>
                                    {p.users.into_iter().map(|u| view! {
                                        <tr>
                                            <td><a href=format!("{base}/{}", percent_encode(&u.id))>{u.user_name}</a></td>
                                            <td>{u.display_name.unwrap_or_default()}</td>
                                            <td><code>{u.external_id.unwrap_or_default()}</code></td>
                                            <td>
                                                <span class=if u.active { "badge ok" } else { "badge off" }>
                                                    {if u.active { "Active" } else { "Deactivated" }}
                                                </span>
                                            </td>
                                            <td>{u.last_modified}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <nav class="pager" aria-label="Pages">
                                {prev.map(|s| view! { <a href=format!("?start={s}")>"Previous"</a> })}
                                <span>{format!("{} – {} of {}", p.start_index.min(p.total), last, p.total)}</span>
                                {next.map(|s| view! { <a href=format!("?start={s}")>"Next"</a> })}
                            </nav>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}
