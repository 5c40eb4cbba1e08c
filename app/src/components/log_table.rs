//! The provisioning log as a table; a row opens its detail.

use leptos::prelude::*;

use crate::components::when::When;
use crate::dto::LogRow;

/// The rows, newest first. Clicking a row (or its time, a button for the keyboard) calls
/// `on_select` with its id; the row `selected` names is marked.
#[component]
pub fn LogTable(rows: Vec<LogRow>, selected: Signal<Option<i64>>, on_select: Callback<i64>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="log viewer">
                <thead><tr>
                    <th scope="col">"Time"</th><th scope="col">"Summary"</th><th scope="col">"User name"</th>
                    <th scope="col">"Status"</th><th scope="col">"Operation"</th><th scope="col">"Method"</th>
                    <th scope="col">"Path"</th><th scope="col">"Resource"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let id = r.id;
                        let class = r.status_class();
                        let resource = r.resource();
                        let summary = r.summary();
                        let repeats = r.repeats().map(|text| {
                            let title = format!("{} identical refusals; the first at {}", r.repeat_count, r.time);
                            view! { " " <span class="hint" title=title data-testid="log-repeats">{text}</span> }
                        });
                        view! {
                            <tr data-log-id=id class:selected=move || selected.get() == Some(id)
                                on:click=move |_| on_select.run(id)>
                                <td><button type="button" class="link" title="Show this request's detail"
                                    aria-expanded=move || (selected.get() == Some(id)).to_string()
                                    aria-controls="log-entry">
                                    <When at=r.time.clone()/>
                                </button></td>
                                <td class="summary">{summary}</td>
                                <td>{r.user_name}</td>
                                <td><span class=class>{r.status}</span>{repeats}</td>
                                <td>{r.operation}</td>
                                <td>{r.method}</td>
                                <td><code>{r.path}</code></td>
                                <td><code>{resource}</code></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
