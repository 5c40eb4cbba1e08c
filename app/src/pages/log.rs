//! `/tenants/:tenant/log`: the provisioning log viewer. Every SCIM request, newest first, in
//! keyset pages; filtered by the URL's parameters (`?op=&outcome=&resource=&credential=&q=
//! &from=&to=&last=`, `before=` for older pages, `chart=7d` for the chart's span), so every view
//! is a link; a detail drawer per row, a live tail, the filtered set as CSV or JSON, and the
//! activity chart.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

use crate::api::{get_log_chart, get_log_credentials, get_log_page};
use crate::components::error_box::ErrorBox;
use crate::components::log_chart::ActivityChart;
use crate::components::log_drawer::LogDrawer;
use crate::components::log_filters::LogFilters;
use crate::components::log_table::LogTable;
use crate::components::polling::use_polling;
use crate::components::use_interactive;
use crate::dto::{ChartRange, FormOutcome, LogPage, LogQuery, LogRow};
use crate::pages::tenant::use_tenant;

/// Rows the list keeps at most while the live tail adds rows.
const TAIL_CAP: usize = 200;

/// How far below the newest row shown the live tail asks again (in row ids): a row committed
/// late (a change's transaction that began before a read's batch) still shows.
const TAIL_OVERLAP: i64 = 20;

/// How often the live tail asks.
const TAIL_PERIOD: Duration = Duration::from_secs(2);

/// The viewer's URL: `query`, the chart's span (when not the default) and the page's cursor.
fn viewer_href(tenant: &str, query: &LogQuery, chart: ChartRange, before: Option<i64>) -> String {
    let before = before.map(|b| b.to_string()).unwrap_or_default();
    let chart = if chart == ChartRange::default() { "" } else { chart.as_str() };
    format!("/tenants/{tenant}/log{}", query.to_query(&[("before", &before), (ChartRange::PARAM, chart)]))
}

/// The export of the rows `query` selects.
fn export_href(tenant: &str, query: &LogQuery, format: &str) -> String {
    format!("/admin/log/export{}", query.to_query(&[("tenant", tenant), ("format", format)]))
}

/// The rows shown: the live tail's and the page's, newest first, at most [`TAIL_CAP`].
fn merged(tail: &[LogRow], page: &[LogRow]) -> Vec<LogRow> {
    let mut rows: Vec<LogRow> = tail.iter().chain(page).cloned().collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.id));
    rows.dedup_by_key(|r| r.id);
    rows.truncate(TAIL_CAP);
    rows
}

/// The newest id among `tail` and `page`.
fn newest_id(tail: &[LogRow], page: &[LogRow]) -> Option<i64> {
    tail.iter().chain(page).map(|r| r.id).max()
}

/// The page.
#[component]
pub fn LogViewerPage() -> impl IntoView {
    let tenant = use_tenant();
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(|p| LogQuery::from_params(|name| p.get(name))));
    let before = Memo::new(move |_| params.with(|p| p.get("before").and_then(|b| b.parse::<i64>().ok())));
    let chart_range =
        Memo::new(move |_| params.with(|p| ChartRange::parse(&p.get(ChartRange::PARAM).unwrap_or_default())));

    let page =
        Resource::new(move || (tenant.get(), query.get(), before.get()), |(t, q, b)| get_log_page(t, q, b, None));
    let chart = Resource::new(move || (tenant.get(), chart_range.get()), |(t, range)| get_log_chart(t, range));
    let credentials = Resource::new(move || tenant.get(), get_log_credentials);

    let selected = RwSignal::new(None::<i64>);
    let live = RwSignal::new(false);
    let tail = RwSignal::new(Vec::<LogRow>::new());
    let interactive = use_interactive();
    live_tail(tenant, query, page, live, tail);
    // Another filter or page: the tail and the drawer belong to the previous one; the tail
    // follows the newest page only.
    Effect::new(move |_| {
        query.track();
        before.track();
        tail.set(Vec::new());
        selected.set(None);
        if before.get().is_some() {
            live.set(false);
        }
    });

    let href =
        Callback::new(move |q: LogQuery| viewer_href(&tenant.get_untracked(), &q, chart_range.get_untracked(), None));
    let chart_href = move |range: ChartRange| viewer_href(&tenant.get(), &query.get(), range, before.get());
    let chart_current = move |range: ChartRange| (chart_range.get() == range).then_some("page");
    view! {
        <h2>"Provisioning log"</h2>
        <section class="panel log-activity" aria-labelledby="log-chart-heading">
            <div class="chart-head">
                <h3 id="log-chart-heading">"Requests and errors"</h3>
                <nav class="subtabs" aria-label="Chart span">
                    <a href=move || chart_href(ChartRange::Day) aria-current=move || chart_current(ChartRange::Day)>"24 hours"</a>
                    <a href=move || chart_href(ChartRange::Week) aria-current=move || chart_current(ChartRange::Week)>"7 days"</a>
                </nav>
            </div>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match chart.await {
                        Ok(chart) => view! { <ActivityChart chart/> }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let answer = page.await;
                let choices = credentials.await.unwrap_or_default();
                let (t, q, range) = (tenant.get_untracked(), query.get_untracked(), chart_range.get_untracked());
                let chart_param = if range == ChartRange::default() { "" } else { range.as_str() };
                let action = format!("/tenants/{t}/log");
                let (refusal, found) = match answer {
                    Ok(FormOutcome::Saved(found)) => (None, Some(found)),
                    Ok(FormOutcome::Refused { field, message }) => (Some((field, message)), None),
                    Err(e) => return view! { <ErrorBox error=e/> }.into_any(),
                };
                let refused = found.is_none();
                let exports = (!refused).then(|| view! {
                    <a class="button secondary" download="" href=export_href(&t, &q, "csv")>"Export CSV"</a>
                    <a class="button secondary" download="" href=export_href(&t, &q, "json")>"Export JSON"</a>
                });
                view! {
                    <LogFilters query=q refusal credentials=choices href action chart=chart_param/>
                    <div class="log-toolbar">
                        <button type="button" class="secondary" aria-pressed=move || live.get().to_string()
                            disabled=move || !interactive.get() || before.get().is_some() || refused
                            on:click=move |_| live.update(|on| *on = !*on)>
                            {move || if live.get() { "Pause" } else { "Live" }}
                        </button>
                        <span class="live-state" role="status" data-testid="live-state">
                            {move || if live.get() {
                                "Live: new requests appear every 2 seconds."
                            } else if before.get().is_some() {
                                "Paused. The live tail follows the newest page."
                            } else {
                                "Paused."
                            }}
                        </span>
                        <span class="spacer"></span>
                        {exports}
                    </div>
                    {found.map(|found| view! { <LogResults found selected tail query before chart_range/> })}
                }
                .into_any()
            })}
        </Transition>
        <LogDrawer tenant selected/>
    }
}

/// The rows (the page's and the live tail's) and the pager.
#[component]
fn LogResults(
    found: LogPage,
    selected: RwSignal<Option<i64>>,
    tail: RwSignal<Vec<LogRow>>,
    query: Memo<LogQuery>,
    before: Memo<Option<i64>>,
    chart_range: Memo<ChartRange>,
) -> impl IntoView {
    let tenant = use_tenant();
    let LogPage { rows, next_before, partial } = found;
    let rows = StoredValue::new(rows);
    let on_select = Callback::new(move |id: i64| selected.set(Some(id)));
    let href = move |cursor: Option<i64>| {
        viewer_href(&tenant.get_untracked(), &query.get_untracked(), chart_range.get_untracked(), cursor)
    };
    view! {
        {move || {
            let shown = tail.with(|tail| rows.with_value(|page| merged(tail, page)));
            if shown.is_empty() {
                let text = if query.get_untracked().is_empty() && before.get_untracked().is_none() {
                    "No requests yet."
                } else {
                    "No requests match."
                };
                return view! { <p class="empty" data-testid="log-empty">{text}</p> }.into_any();
            }
            // Rows the cap pushed out are on the next page.
            let older = if shown.len() == TAIL_CAP { shown.last().map(|r| r.id) } else { next_before };
            view! {
                <LogTable rows=shown selected=selected.into() on_select/>
                {partial.then(|| view! {
                    <p class="hint" data-testid="log-partial">
                        "The text or group-membership filter read 5,000 rows without filling this page; Older searches \
                         further back."
                    </p>
                })}
                <nav class="pager" aria-label="Log pages">
                    {before.get_untracked().is_some().then(|| view! { <a href=href(None)>"Newest"</a> })}
                    {older.map(|b| view! { <a href=href(Some(b))>"Older"</a> })}
                </nav>
            }
            .into_any()
        }}
    }
}

/// The live tail: while `live`, asks every 2 s for the rows newer than the newest shown (with
/// the page's filter) and adds them to `tail`. More new rows than a page: the newest page is
/// loaded again instead. A refused filter or a failure pauses it.
fn live_tail(
    tenant: Signal<String>,
    query: Memo<LogQuery>,
    page: Resource<Result<FormOutcome<LogPage>, crate::AppError>>,
    live: RwSignal<bool>,
    tail: RwSignal<Vec<LogRow>>,
) {
    let tick = use_polling(move || live.get(), TAIL_PERIOD);
    let asking = StoredValue::new(false);
    Effect::new(move |_| {
        if tick.get() == 0 || asking.get_value() {
            return;
        }
        let page_rows = page.with_untracked(|answer| match answer {
            Some(Ok(FormOutcome::Saved(found))) => found.rows.clone(),
            _ => Vec::new(),
        });
        let after = tail.with_untracked(|tail| newest_id(tail, &page_rows)).map_or(0, |id| (id - TAIL_OVERLAP).max(0));
        let (t, q) = (tenant.get_untracked(), query.get_untracked());
        asking.set_value(true);
        spawn_local(async move {
            let answer = get_log_page(t, q, None, Some(after)).await;
            asking.try_set_value(false);
            match answer {
                Ok(FormOutcome::Saved(fresh)) if fresh.next_before.is_some() => {
                    tail.try_set(Vec::new());
                    page.refetch();
                }
                Ok(FormOutcome::Saved(fresh)) => {
                    tail.try_update(|tail| {
                        let known: Vec<i64> = tail.iter().chain(&page_rows).map(|r| r.id).collect();
                        tail.extend(fresh.rows.into_iter().filter(|r| !known.contains(&r.id)));
                        *tail = merged(tail, &[]);
                    });
                }
                _ => {
                    live.try_set(false);
                }
            }
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64) -> LogRow {
        LogRow::sample(id)
    }

    #[test]
    fn links_keep_the_filter_and_the_chart() {
        let q = LogQuery { outcome: "client".into(), resource: "a b".into(), ..LogQuery::default() };
        assert_eq!(viewer_href("acme", &q, ChartRange::Day, None), "/tenants/acme/log?outcome=client&resource=a+b");
        assert_eq!(
            viewer_href("acme", &LogQuery::default(), ChartRange::Week, Some(7)),
            "/tenants/acme/log?before=7&chart=7d"
        );
        assert_eq!(
            export_href("acme", &q, "csv"),
            "/admin/log/export?tenant=acme&format=csv&outcome=client&resource=a+b"
        );
    }

    #[test]
    fn the_tail_merges_newest_first_without_repeats_and_is_capped() {
        let ids = |rows: Vec<LogRow>| rows.iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids(merged(&[row(9), row(7)], &[row(8), row(7), row(3)])), [9, 8, 7, 3]);
        let many: Vec<LogRow> = (0..300).map(row).collect();
        let capped = merged(&many, &[]);
        assert_eq!((capped.len(), capped[0].id, capped[TAIL_CAP - 1].id), (TAIL_CAP, 299, 100));
        assert_eq!(newest_id(&[row(2)], &[row(5), row(1)]), Some(5));
        assert_eq!(newest_id(&[], &[]), None);
    }
}
