//! The filter form of the provisioning log viewer. It is a plain GET form of the page's URL
//! parameters — so filtered pages are links, and the back button steps through filters — that
//! the hydrated page submits by navigating, without a reload.

use leptos::form::FromFormData;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::components::field::Field;
use crate::dto::{CredentialChoice, LogQuery, DIRECTION_CHOICES, LAST_CHOICES, OPERATION_CHOICES, OUTCOME_CHOICES};

/// A filter field's refusal: (parameter name, message).
pub type Refusal = Option<(String, String)>;

/// The message of `field`, if it is the one refused.
fn refusal_of(refusal: &Refusal, field: &str) -> Option<String> {
    refusal.as_ref().filter(|(f, _)| f == field).map(|(_, message)| message.clone())
}

/// A select named `name` of (value, label) `options` after an empty "any" option, with
/// `current` selected.
fn choices(
    name: &'static str,
    any: &'static str,
    options: &'static [(&'static str, &'static str)],
    current: &str,
) -> impl IntoView {
    let options = options
        .iter()
        .map(|(value, label)| view! { <option value=*value selected=current == *value>{*label}</option> })
        .collect_view();
    view! {
        <select name=name>
            <option value="" selected=current.is_empty()>{any}</option>
            {options}
        </select>
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
    let refused = |field: &str| refusal_of(&refusal, field);
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
            <Field id="log-dir" label="Direction" error=refused(LogQuery::DIR)
                hint="Sent: the requests scimhub made to the tenant's applications (Integrations → Applications).">
                {choices("dir", "Both directions", &DIRECTION_CHOICES, &query.dir)}
            </Field>
            <Field id="log-op" label="Operation" error=refused(LogQuery::OP)
                hint="The operations stored for each choice are in brackets: link is a POST that adopted an existing \
                      user; group membership, a group change that added or removed members.">
                <select name="op">
                    <option value="" selected=query.op.is_empty()>"Any operation"</option>
                    {OPERATION_CHOICES.iter().map(|c| view! {
                        <option value=c.value selected=query.op == c.value>{c.label}</option>
                    }).collect_view()}
                </select>
            </Field>
            <Field id="log-outcome" label="Outcome" error=refused(LogQuery::OUTCOME)>
                {choices("outcome", "Any outcome", &OUTCOME_CHOICES, &query.outcome)}
            </Field>
            <Field id="log-resource" label="Resource" error=refused(LogQuery::RESOURCE)
                hint="A user or group id, or an exact userName or group displayName as sent.">
                <input name="resource" type="search" autocomplete="off" spellcheck="false"
                    value=query.resource.clone() placeholder="Id, userName or group name"/>
            </Field>
            <Field id="log-credential" label="Credential" error=refused(LogQuery::CREDENTIAL) after=move || view! {
                <datalist id="log-credential-choices">
                    {credentials.into_iter().map(|c| view! { <option value=c.value>{c.label}</option> }).collect_view()}
                </datalist>
            }>
                <input name="credential" type="search" autocomplete="off" spellcheck="false"
                    list="log-credential-choices" value=query.credential.clone() placeholder="Any credential"/>
            </Field>
            <Field id="log-text" label="Text" error=refused(LogQuery::TEXT)
                hint="Any case. Not indexed (nor is group membership): each page reads at most 5,000 of the rows the \
                      other filters select.">
                <input name="q" type="search" autocomplete="off" value=query.q.clone()
                    placeholder="In path, detail, userName, error"/>
            </Field>
            <Field id="log-from" label="From (UTC)" error=refused(LogQuery::FROM) described_by="log-time-hint">
                <input name="from" type="datetime-local" step="1" value=query.from.clone()/>
            </Field>
            <Field id="log-to" label="To (UTC)" error=refused(LogQuery::TO) described_by="log-time-hint">
                <input name="to" type="datetime-local" step="1" value=query.to.clone()/>
            </Field>
            <div class="field wide">
                <p class="hint" id="log-time-hint">"Times are UTC; From is included, To is not."</p>
                <nav class="quick-picks" aria-label="Time range">{quick_picks}</nav>
                <p class="field-error">{refused(LogQuery::LAST)}</p>
            </div>
            <div class="actions wide">
                <button type="submit">"Apply filters"</button>
                <a class="button secondary" href=clear>"Clear filters"</a>
            </div>
        </form>
    }
}
