//! Pieces of the users and groups pages: the list page itself, the search form, the status
//! choice, sortable column headers, the pager and the status badge; and the frame and the SCIM
//! resource panel of a user's or a group's page. The list state lives in the URL's query
//! ([`DirectoryQuery`]): the controls read it from there and link to the next state, so every
//! state has its own URL and the back button walks through them.

use std::future::Future;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::components::copy_button::CopyButton;
use crate::components::error_box::ErrorBox;
use crate::dto::{Cursors, DirectoryQuery, ListPage, PageAt, SortKey, StatusFilter};
use crate::error::AppError;

/// The list state in the URL's query.
pub fn use_directory_query() -> Memo<DirectoryQuery> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| DirectoryQuery::from_params(|name| q.get(name))))
}

/// A list of the tenant's `{noun}s` (at `/tenants/:tenant/{noun}s`): the heading, the search
/// (with `status`, the status choice too), how many match, and the page the URL names, whose
/// rows `table` renders (it gets the tenant, the rows, the list's path and state). A search is
/// counted once: paging and sorting do not count again.
#[component]
pub fn DirectoryList<T, P, PF, C, CF, F>(
    /// The tenant.
    tenant: Signal<String>,
    /// What the list holds, singular (`user`).
    noun: &'static str,
    /// The page's heading.
    heading: &'static str,
    /// The search box's id.
    search_id: &'static str,
    /// The search box's label.
    search_label: &'static str,
    /// What plain text looks in, for the search's hint.
    search_hint: &'static str,
    /// Whether the list can be narrowed by status.
    #[prop(optional)]
    status: bool,
    /// Loads a page of the list.
    page: P,
    /// Counts what a search matches.
    count: C,
    /// Renders the rows of a page.
    table: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    P: Fn(String, DirectoryQuery) -> PF + Send + Sync + 'static,
    PF: Future<Output = Result<ListPage<T>, AppError>> + Send + 'static,
    C: Fn(String, DirectoryQuery) -> CF + Send + Sync + 'static,
    CF: Future<Output = Result<Option<u64>, AppError>> + Send + 'static,
    F: Fn(String, Vec<T>, Signal<String>, Memo<DirectoryQuery>) -> AnyView + Copy + Send + Sync + 'static,
{
    let query = use_directory_query();
    let base = Signal::derive(move || format!("/tenants/{}/{noun}s", tenant.get()));
    let page = Resource::new(move || (tenant.get(), query.get()), move |(tenant, query)| page(tenant, query));
    let count = Resource::new(
        move || (tenant.get(), query.with(DirectoryQuery::matching)),
        move |(tenant, query)| count(tenant, query),
    );
    let table = move |rows| table(tenant.get_untracked(), rows, base, query);
    view! {
        <h2>{heading}</h2>
        <SearchForm id=search_id label=search_label hint=search_hint base query/>
        {status.then(|| view! { <StatusChoice base query/> })}
        <DirectoryResults noun search_id page count base query table/>
    }
}

/// The frame of a user's or a group's page: the way back to the list of `{noun}s` (named
/// `{title}s`), then what `render` makes of `detail` once it has loaded — or, under the heading
/// `title`, why it did not.
#[component]
pub fn DirectoryDetail<D, F>(
    /// The tenant.
    tenant: Signal<String>,
    /// What the page shows, singular (`user`).
    noun: &'static str,
    /// The same as a heading (`User`).
    title: &'static str,
    /// The user or group.
    detail: Resource<Result<D, AppError>>,
    /// Renders it.
    render: F,
) -> impl IntoView
where
    D: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(D) -> AnyView + Copy + Send + Sync + 'static,
{
    view! {
        <p class="breadcrumb"><a href=move || format!("/tenants/{}/{noun}s", tenant.get())>{format!("← {title}s")}</a></p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(data) => render(data),
                    Err(e) => view! { <h2>{title}</h2><ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The "SCIM resource" panel of a user's or a group's page: the resource as the identity
/// provider reads it, with a copy button.
#[component]
pub fn ResourcePanel(
    /// What the panel says about the resource.
    hint: &'static str,
    /// The resource, pretty-printed JSON.
    resource: String,
) -> impl IntoView {
    let text = Signal::stored(resource.clone());
    view! {
        <section class="panel" aria-labelledby="resource-heading">
            <h3 id="resource-heading">"SCIM resource"</h3>
            <p class="hint">{hint}</p>
            <div class="actions"><CopyButton text label="Copy SCIM resource"/></div>
            <pre class="json" data-testid="scim-resource">{resource}</pre>
        </section>
    }
}

/// The search: a text box, the "SCIM filter" switch and a button. Submitting it opens the first
/// page of the list with that search, keeping the status and the order (in the browser by the
/// router; before hydration as a plain GET form, hence the hidden fields). `id` names the text
/// box; the page shows a refused filter in the element `{id}-error`.
#[component]
pub fn SearchForm(
    /// The text box's id.
    id: &'static str,
    /// The text box's label.
    label: &'static str,
    /// What plain text looks in, for the hint.
    hint: &'static str,
    /// The list's path.
    #[prop(into)]
    base: Signal<String>,
    /// The list state.
    query: Memo<DirectoryQuery>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let described_by = format!("{hint_id} {id}-error");
    let scim_id = format!("{id}-scim");
    let scim_label_for = scim_id.clone();
    // What is typed, following the URL (links, the back button) until then.
    let (search, scim) = query.with_untracked(|q| (RwSignal::new(q.search.clone()), RwSignal::new(q.scim_filter)));
    Effect::new(move |_| {
        query.with(|q| {
            search.set(q.search.clone());
            scim.set(q.scim_filter);
        })
    });
    // Not `leptos_router`'s `<Form>`: it lower-cases the action, and tenant names are case-sensitive.
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let next = query.with_untracked(|q| DirectoryQuery {
            search: search.get_untracked().trim().to_owned(),
            scim_filter: scim.get_untracked(),
            at: PageAt::First,
            ..q.clone()
        });
        navigate(&format!("{}{}", base.get_untracked(), next.to_query()), Default::default());
    };
    let hidden = move || {
        let fields = query.with(DirectoryQuery::kept_by_search);
        fields.into_iter().map(|(name, value)| view! { <input type="hidden" name=name value=value/> }).collect_view()
    };
    view! {
        <div class="search directory-search" role="search">
            <form method="get" action=move || base.get() on:submit=submit>
                <label for=id>{label}</label>
                <input id=id type="search" name=DirectoryQuery::SEARCH autocomplete="off" spellcheck="false"
                    aria-describedby=described_by
                    prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
                <label class="check" for=scim_label_for>
                    <input id=scim_id type="checkbox" name=DirectoryQuery::SCIM value="1"
                        prop:checked=move || scim.get() on:change=move |ev| scim.set(event_target_checked(&ev))/>
                    "SCIM filter"
                </label>
                {hidden}
                <button type="submit">"Search"</button>
            </form>
            <p class="hint" id=hint_id>
                {hint}
                " With “SCIM filter”, the text is a filter as the SCIM endpoint takes it, e.g. "
                <code>"name.familyName sw \"J\" and active eq true"</code>"."
            </p>
        </div>
    }
}

/// What a search found: its count, and the page's table (made by `table`) with its pager — or
/// why the SCIM filter is refused, beside the search box (`{search_id}-error`).
#[component]
pub fn DirectoryResults<T, F>(
    /// What the list holds, singular (`user`).
    noun: &'static str,
    /// The search box's id.
    search_id: &'static str,
    /// The page the URL names.
    page: Resource<Result<ListPage<T>, AppError>>,
    /// How many rows match the search, unless its filter is refused.
    count: Resource<Result<Option<u64>, AppError>>,
    /// The list's path.
    #[prop(into)]
    base: Signal<String>,
    /// The list state.
    query: Memo<DirectoryQuery>,
    /// Renders the rows of a page.
    table: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(Vec<T>) -> AnyView + Copy + Send + Sync + 'static,
{
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let filtered = query.with_untracked(DirectoryQuery::is_filtered);
                count.await.ok().flatten().map(|n| view! {
                    <p class="hint count" role="status" data-testid=format!("{noun}-count")>{count_text(n, noun, filtered)}</p>
                })
            })}
        </Transition>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(ListPage { filter_error: Some(error), .. }) => view! {
                        <p class="field-error" id=format!("{search_id}-error") role="alert">
                            "The SCIM filter cannot be used: "{error}
                        </p>
                    }.into_any(),
                    Ok(p) if p.rows.is_empty() => {
                        let text = if query.with_untracked(DirectoryQuery::is_filtered) {
                            format!("No {noun} matches.")
                        } else {
                            format!("No {noun}s yet.")
                        };
                        view! { <p data-testid=format!("no-{noun}s")>{text}</p> }.into_any()
                    }
                    Ok(p) => {
                        let first = query.with_untracked(|q| q.at == PageAt::First);
                        let href = move |at| format!("{}{}", base.get_untracked(), query.with_untracked(|q| q.at(at).to_query()));
                        view! {
                            <div class="table-scroll">{table(p.rows)}</div>
                            <Pager label=format!("Pages of {noun}s") cursors=p.cursors first href/>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// All / Active / Deactivated, as links to the first page with that status.
#[component]
pub fn StatusChoice(
    /// The list's path.
    #[prop(into)]
    base: Signal<String>,
    /// The list state.
    query: Memo<DirectoryQuery>,
) -> impl IntoView {
    view! {
        <nav class="status-choice" aria-label="Status">
            {StatusFilter::ALL.into_iter().map(|status| view! {
                <a href=move || format!("{}{}", base.get(), query.with(|q| q.with_status(status).to_query()))
                    aria-current=move || query.with(|q| q.status == status).then_some("page")>
                    {status.label()}
                </a>
            }).collect_view()}
        </nav>
    }
}

/// A column header that sorts the list by `key`: by it ascending (times: newest first), or the
/// other way round when the list is sorted by it already. `own` is the list's order when the
/// URL names none.
#[component]
pub fn SortHeader(
    /// The column's name.
    label: &'static str,
    /// What it sorts by.
    key: SortKey,
    /// The list's own order.
    own: SortKey,
    /// The list's path.
    #[prop(into)]
    base: Signal<String>,
    /// The list state.
    query: Memo<DirectoryQuery>,
) -> impl IntoView {
    // `Some(descending)` when the list is sorted by this column.
    let current = move || query.with(|q| (q.sort.unwrap_or(own) == key).then_some(q.descending));
    // The sorted column's arrow is drawn by the style sheet, outside the header's text.
    view! {
        <th scope="col" aria-sort=move || current().map(|d| if d { "descending" } else { "ascending" })>
            <a class="sort" href=move || format!("{}{}", base.get(), query.with(|q| q.sorted_by(key, own).to_query()))>
                {label}
            </a>
        </th>
    }
}

/// First / Previous / Next of a keyset-paginated list; `href` makes the link to a page.
#[component]
pub fn Pager<F>(
    /// Names the navigation, e.g. "Pages of users".
    #[prop(into)]
    label: String,
    /// The cursors of the pages beside this one.
    cursors: Cursors,
    /// Whether this page is the first.
    first: bool,
    /// The link to a page.
    href: F,
) -> impl IntoView
where
    F: Fn(PageAt) -> String,
{
    let Cursors { prev, next } = cursors;
    if first && prev.is_none() && next.is_none() {
        return ().into_any();
    }
    view! {
        <nav class="pager" aria-label=label>
            {(!first).then(|| view! { <a href=href(PageAt::First)>"First"</a> })}
            {prev.map(|c| view! { <a href=href(PageAt::Before(c)) rel="prev">"Previous"</a> })}
            {next.map(|c| view! { <a href=href(PageAt::After(c)) rel="next">"Next"</a> })}
        </nav>
    }
    .into_any()
}

/// Active or Deactivated.
#[component]
pub fn StatusBadge(
    /// Whether the user is active.
    active: bool,
) -> impl IntoView {
    view! {
        <span class=if active { "badge ok" } else { "badge off" }>{if active { "Active" } else { "Deactivated" }}</span>
    }
}

/// "N users" ("N users match" for a narrowed list).
fn count_text(n: u64, noun: &str, filtered: bool) -> String {
    let plural = if n == 1 { "" } else { "s" };
    let verb = match (filtered, n == 1) {
        (false, _) => "",
        (true, true) => " matches",
        (true, false) => " match",
    };
    format!("{n} {noun}{plural}{verb}")
}

#[cfg(test)]
mod tests {
    use super::count_text;

    #[test]
    fn counts_read_naturally() {
        assert_eq!(count_text(1, "user", false), "1 user");
        assert_eq!(count_text(0, "group", true), "0 groups match");
        assert_eq!(count_text(1, "user", true), "1 user matches");
        assert_eq!(count_text(100_000, "user", false), "100000 users");
    }
}
