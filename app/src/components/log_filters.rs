//! The filter form of the provisioning log viewer. It is a plain GET form of the page's URL
//! parameters — so filtered pages are links, and the back button steps through filters — that
//! the hydrated page submits by navigating, without a reload.

use leptos::form::FromFormData;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::dto::{CredentialChoice, LogQuery, LAST_CHOICES, OPERATION_CHOICES, OUTCOME_CHOICES};

/// A filter field's refusal: (parameter name, message).
pub type Refusal = Option<(String, String)>;

/// The attributes of a field that may be refused: its message, `aria-invalid` and the id of
/// its message.
fn refusal_of(refusal: &Refusal, field: &str) -> (Option<String>, Option<&'static str>) {
    match refusal {
        Some((f, message)) if f == field => (Some(message.clone()), Some("true")),
        _ => (None, None),
    }
}

/// The form, filled with `query`; `href` is the viewer's URL of a query (the page's other
/// parameters kept). `refusal` says which field the server refused, and why.
#[component]
pub fn LogFilters(
    query: LogQuery,
    refusal: Refusal,
    credentials: Vec<CredentialChoice>,
    href: Callback<LogQuery, String>,
    /// The page's address without parameters (the form's action).
    action: String,
    /// The chart's span parameter, kept when the form is sent (empty for the default).
    chart: &'static str,
) -> impl IntoView {
    let navigate = use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        if let Ok(query) = LogQuery::from_event(&ev) {
            ev.prevent_default();
            navigate(&href.run(query), Default::default());
        }
    };
    let (from_error, from_invalid) = refusal_of(&refusal, LogQuery::FROM);
    let (to_error, to_invalid) = refusal_of(&refusal, LogQuery::TO);
    let (op_error, op_invalid) = refusal_of(&refusal, LogQuery::OP);
    let (outcome_error, outcome_invalid) = refusal_of(&refusal, LogQuery::OUTCOME);
    let (resource_error, resource_invalid) = refusal_of(&refusal, LogQuery::RESOURCE);
    let (credential_error, credential_invalid) = refusal_of(&refusal, LogQuery::CREDENTIAL);
    let (text_error, text_invalid) = refusal_of(&refusal, LogQuery::TEXT);
    let (last_error, _) = refusal_of(&refusal, LogQuery::LAST);
    let quick = |value: &str| {
        let picked = LogQuery { last: value.to_owned(), from: String::new(), to: String::new(), ..query.clone() };
        href.run(picked)
    };
    let quick_picks = std::iter::once(("", "Any time"))
        .chain(LAST_CHOICES.iter().map(|(v, label, _)| (*v, *label)))
        .map(|(value, label)| {
            let current = (query.last == value
                && (!value.is_empty() || (query.from.is_empty() && query.to.is_empty())))
            .then_some("true");
            view! { <a href=quick(value) aria-current=current>{label}</a> }
        })
        .collect_view();
    let clear = href.run(LogQuery::default());
    view! {
        <form class="log-filters" method="get" action=action on:submit=on_submit aria-label="Filter the log">
            <input type="hidden" name="last" value=query.last.clone()/>
            {(!chart.is_empty()).then(|| view! { <input type="hidden" name="chart" value=chart/> })}
            <div class="field">
                <label for="log-op">"Operation"</label>
                <select id="log-op" name="op" aria-invalid=op_invalid aria-describedby="log-op-hint log-op-error">
                    <option value="" selected=query.op.is_empty()>"Any operation"</option>
                    {OPERATION_CHOICES.iter().map(|c| view! {
                        <option value=c.value selected=query.op == c.value>{c.label}</option>
                    }).collect_view()}
                </select>
                <p class="hint" id="log-op-hint">
                    "The operations stored for each choice are in brackets: link is a POST that adopted an existing \
                     user; group membership, a group change that added or removed members."
                </p>
                <p class="field-error" id="log-op-error">{op_error}</p>
            </div>
            <div class="field">
                <label for="log-outcome">"Outcome"</label>
                <select id="log-outcome" name="outcome" aria-invalid=outcome_invalid aria-describedby="log-outcome-error">
                    <option value="" selected=query.outcome.is_empty()>"Any outcome"</option>
                    {OUTCOME_CHOICES.iter().map(|(value, label)| view! {
                        <option value=*value selected=query.outcome == *value>{*label}</option>
                    }).collect_view()}
                </select>
                <p class="field-error" id="log-outcome-error">{outcome_error}</p>
            </div>
            <div class="field">
                <label for="log-resource">"Resource"</label>
                <input id="log-resource" name="resource" type="search" autocomplete="off" spellcheck="false"
                    value=query.resource.clone() placeholder="Id, userName or group name"
                    aria-invalid=resource_invalid aria-describedby="log-resource-hint log-resource-error"/>
                <p class="hint" id="log-resource-hint">"A user or group id, or an exact userName or group displayName as sent."</p>
                <p class="field-error" id="log-resource-error">{resource_error}</p>
            </div>
            <div class="field">
                <label for="log-credential">"Credential"</label>
                <input id="log-credential" name="credential" type="search" autocomplete="off" spellcheck="false"
                    list="log-credential-choices" value=query.credential.clone() placeholder="Any credential"
                    aria-invalid=credential_invalid aria-describedby="log-credential-error"/>
                <datalist id="log-credential-choices">
                    {credentials.into_iter().map(|c| view! { <option value=c.value>{c.label}</option> }).collect_view()}
                </datalist>
                <p class="field-error" id="log-credential-error">{credential_error}</p>
            </div>
            <div class="field">
                <label for="log-text">"Text"</label>
                <input id="log-text" name="q" type="search" autocomplete="off" value=query.q.clone()
                    placeholder="In path, detail, userName, error"
                    aria-invalid=text_invalid aria-describedby="log-text-hint log-text-error"/>
                <p class="hint" id="log-text-hint">
                    "Any case. Not indexed (nor is group membership): each page reads at most 5,000 of the rows the \
                     other filters select."
                </p>
                <p class="field-error" id="log-text-error">{text_error}</p>
            </div>
            <div class="field">
                <label for="log-from">"From (UTC)"</label>
                <input id="log-from" name="from" type="datetime-local" step="1" value=query.from.clone()
                    aria-invalid=from_invalid aria-describedby="log-time-hint log-from-error"/>
                <p class="field-error" id="log-from-error">{from_error}</p>
            </div>
            <div class="field">
                <label for="log-to">"To (UTC)"</label>
                <input id="log-to" name="to" type="datetime-local" step="1" value=query.to.clone()
                    aria-invalid=to_invalid aria-describedby="log-time-hint log-to-error"/>
                <p class="field-error" id="log-to-error">{to_error}</p>
            </div>
            <div class="field wide">
                <p class="hint" id="log-time-hint">"Times are UTC; From is included, To is not."</p>
                <nav class="quick-picks" aria-label="Time range">{quick_picks}</nav>
                <p class="field-error">{last_error}</p>
            </div>
            <div class="actions wide">
                <button type="submit">"Apply filters"</button>
                <a class="button secondary" href=clear>"Clear filters"</a>
            </div>
        </form>
    }
}
