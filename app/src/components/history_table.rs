//! A resource's provisioning history: the SCIM requests about it, newest first.

use leptos::prelude::*;

use crate::components::when::When;
use crate::dto::LogRow;

/// The "Provisioning history" panel of a user's or a group's page.
#[component]
pub fn HistoryPanel(
    /// What the requests are about, singular (`user`).
    noun: &'static str,
    /// The rows, newest first.
    rows: Vec<LogRow>,
) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="history-heading">
            <h3 id="history-heading">"Provisioning history"</h3>
            <p class="hint">{format!("The SCIM requests about this {noun}, newest first (at most 100).")}</p>
            <HistoryTable rows empty=format!("No provisioning requests about this {noun}.")/>
        </section>
    }
}

/// Time | Operation | Status | Method | Path, or `empty` when there are no rows.
#[component]
pub fn HistoryTable(
    /// The rows, newest first.
    rows: Vec<LogRow>,
    /// What to say when there are none.
    #[prop(into)]
    empty: String,
) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p data-testid="no-history">{empty}</p> }.into_any();
    }
    view! {
        <div class="table-scroll"><table class="log" aria-label="Provisioning history">
            <thead><tr>
                <th scope="col">"Time"</th><th scope="col">"Operation"</th><th scope="col">"Status"</th>
                <th scope="col">"Method"</th><th scope="col">"Path"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let class = if r.status >= 500 { "status err" } else if r.status >= 400 { "status warn" } else { "status ok" };
                    view! {
                        <tr>
                            <td><When at=r.time.clone()/></td>
                            <td>{r.operation}</td>
                            <td><span class=class>{r.status}</span>{r.detail.map(|d| view! { " "<span class="hint">{d}</span> })}</td>
                            <td>{r.method}</td>
                            <td><code>{r.path}</code></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}
