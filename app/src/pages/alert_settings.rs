//! *Settings → Alerts*: what the tenant's administrators are warned about (error rate, a silent
//! identity provider, a secret ending, an application failing) and where (a webhook — Slack,
//! Teams or any receiver — and e-mail), the latest alerts, and messages still waiting to go out.
//! Open alerts also show on the tenant's overview and the tenants page.

use leptos::prelude::*;

use crate::api::{get_alert_panel, AlertsOff, SaveAlerts};
use crate::components::confirm_button::ConfirmButton;
use crate::components::copy_button::CopyButton;
use crate::components::error_box::ErrorBox;
use crate::components::field::{Checkbox, Field};
use crate::components::use_interactive;
use crate::components::when::{when_or, When};
use crate::dto::{alert_fields as fields, AlertForm, AlertPanel, AlertRow, FormOutcome};

/// The Alerts section of a tenant's settings. The panel is read once per tenant; a save or
/// switching alerts off answers with the panel as stored, which replaces what is shown (a
/// reload would dispose the form while its action's result is still on screen).
#[component]
pub fn AlertSettings(tenant: Signal<String>, can_change: bool) -> impl IntoView {
    let panel = Resource::new(move || tenant.get(), get_alert_panel);
    view! {
        <section class="panel" aria-labelledby="alerts-heading">
            <h3 id="alerts-heading">"Alerts"</h3>
            <p class="hint">
                "scimhub checks these rules every minute. When one fires it sends one message, and another when it \
                 resolves — to a webhook (Slack and Microsoft Teams incoming webhooks show it as it is; other receivers \
                 can check its signature) and by e-mail. A blank number turns its rule off."
            </p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match panel.await {
                        Ok(current) => view! { <AlertForms tenant current can_change/> }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// A number as its field shows it (blank: off).
fn shown(value: Option<i64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// The form as a panel's settings fill it.
fn form_of(panel: &AlertPanel) -> AlertForm {
    let r = &panel.rules;
    AlertForm {
        error_rate: shown(r.error_rate_percent),
        error_window: r.error_window_minutes.to_string(),
        error_min_requests: r.error_min_requests.to_string(),
        silence: shown(r.silence_hours),
        expiry: shown(r.expiry_days),
        outbound: shown(r.outbound_minutes),
        email_to: r.email_to.join(", "),
        webhook_url: String::new(),
        remove_webhook: false,
    }
}

/// What the webhook field's hint says.
fn webhook_hint(panel: &AlertPanel) -> String {
    match &panel.webhook_origin {
        Some(origin) => format!(
            "Now sending to {origin}/… (the whole URL is a credential and is not shown). Enter a new URL to replace it; it gets a new signing secret."
        ),
        None => "A Slack or Microsoft Teams incoming-webhook URL, or any https:// receiver. Stored encrypted.".to_owned(),
    }
}

/// What the e-mail field's hint says.
fn email_hint(panel: &AlertPanel) -> String {
    if panel.smtp_configured {
        "Comma-separated addresses.".to_owned()
    } else {
        "Comma-separated addresses. This server has no SMTP relay yet (scimhub serve --smtp-url): e-mail waits until it has one.".to_owned()
    }
}

#[component]
fn AlertForms(tenant: Signal<String>, current: AlertPanel, can_change: bool) -> impl IntoView {
    let interactive = use_interactive();
    let save = ServerAction::<SaveAlerts>::new();
    let off = ServerAction::<AlertsOff>::new();
    let form = RwSignal::new(form_of(&current));
    let panel = RwSignal::new(current);
    let remove_webhook = RwSignal::new(false);
    let saved = save.value();
    let switched_off = off.value();
    Effect::new(move |_| {
        if let Some(Ok(FormOutcome::Saved(s))) = saved.get() {
            form.set(form_of(&s.panel));
            remove_webhook.set(false);
            panel.set(s.panel);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(p)) = switched_off.get() {
            form.set(form_of(&p));
            panel.set(p);
        }
    });
    let refused = move |field: &'static str| ArcSignal::derive(move || saved.with(|v| FormOutcome::refusal(v, field)));
    let secret = move || match saved.get() {
        Some(Ok(FormOutcome::Saved(s))) => s.webhook_secret,
        _ => None,
    };
    let status = move || match (saved.get(), switched_off.get()) {
        (_, Some(Ok(_))) if !panel.with(|p| p.configured) => Some("Alerts are off."),
        (Some(Ok(FormOutcome::Saved(_))), _) => Some("Alerts saved."),
        _ => None,
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        off.clear();
        let mut typed = form.get_untracked();
        typed.remove_webhook = remove_webhook.get_untracked();
        save.dispatch(SaveAlerts { tenant: tenant.get_untracked(), form: typed });
    };
    let text = move |read: fn(&AlertForm) -> &String, write: fn(&mut AlertForm, String)| {
        (move || form.with(|f| read(f).clone()), move |ev| form.update(|f| write(f, event_target_value(&ev))))
    };
    let (error_rate, set_error_rate) = text(|f| &f.error_rate, |f, v| f.error_rate = v);
    let (error_window, set_error_window) = text(|f| &f.error_window, |f, v| f.error_window = v);
    let (error_min, set_error_min) = text(|f| &f.error_min_requests, |f, v| f.error_min_requests = v);
    let (silence, set_silence) = text(|f| &f.silence, |f, v| f.silence = v);
    let (expiry, set_expiry) = text(|f| &f.expiry, |f, v| f.expiry = v);
    let (outbound, set_outbound) = text(|f| &f.outbound, |f, v| f.outbound = v);
    let (email_to, set_email_to) = text(|f| &f.email_to, |f, v| f.email_to = v);
    let (webhook_url, set_webhook_url) = text(|f| &f.webhook_url, |f, v| f.webhook_url = v);
    let has_webhook = move || panel.with(|p| p.webhook_origin.is_some());
    view! {
        {move || view! { <OpenAndRecent current=panel.get()/> }}
        {move || secret().map(|secret| {
            let copied = secret.clone();
            view! {
                <div class="one-time" role="region" aria-label="Alert webhook signing secret">
                    <p>"The webhook's signing secret — copy it now, it will not be shown again:"</p>
                    <p class="secret-line">
                        <code class="secret" data-testid="alert-webhook-secret">{secret}</code>
                        <CopyButton text=Signal::derive(move || copied.clone()) label="Copy the signing secret"/>
                    </p>
                </div>
            }
        })}
        <form class="form" on:submit=submit>
            <fieldset disabled=!can_change>
                <legend>"Rules"</legend>
                <div class="retention-fields">
                    <Field id="alert-error-rate" label="Error rate (%)" error=refused(fields::ERROR_RATE)
                        hint="Alert when at least this share of the identity provider's requests fail.".to_owned()>
                        <input type="text" inputmode="numeric" autocomplete="off" placeholder="off" prop:value=error_rate on:input=set_error_rate/>
                    </Field>
                    <Field id="alert-error-window" label="Over (minutes)" error=refused(fields::ERROR_WINDOW)
                        hint="The window the error rate is measured over.".to_owned()>
                        <input type="text" inputmode="numeric" autocomplete="off" prop:value=error_window on:input=set_error_window/>
                    </Field>
                    <Field id="alert-error-min" label="At least (requests)" error=refused(fields::ERROR_MIN_REQUESTS)
                        hint="Fewer requests in the window raise no error-rate alert.".to_owned()>
                        <input type="text" inputmode="numeric" autocomplete="off" prop:value=error_min on:input=set_error_min/>
                    </Field>
                </div>
                <div class="retention-fields">
                    <Field id="alert-silence" label="Silent for (hours)" error=refused(fields::SILENCE)
                        hint="Alert when the identity provider sends nothing this long: Entra ID stops a failing job (quarantine) without telling anyone.".to_owned()>
                        <input type="text" inputmode="numeric" autocomplete="off" placeholder="off" prop:value=silence on:input=set_silence/>
                    </Field>
                    <Field id="alert-expiry" label="Secret ending within (days)" error=refused(fields::EXPIRY)
                        hint="Alert when a previous Secret Token or client secret stops working this soon.".to_owned()>
                        <input type="text" inputmode="numeric" autocomplete="off" placeholder="off" prop:value=expiry on:input=set_expiry/>
                    </Field>
                    <Field id="alert-outbound" label="Application failing for (minutes)" error=refused(fields::OUTBOUND)
                        hint="Alert when an application's changes have failed this long, or any is on its dead-letter list.".to_owned()>
                        <input type="text" inputmode="numeric" autocomplete="off" placeholder="off" prop:value=outbound on:input=set_outbound/>
                    </Field>
                </div>
            </fieldset>
            <fieldset disabled=!can_change>
                <legend>"Where alerts go"</legend>
                <Field id="alert-webhook" label="Webhook URL" error=refused(fields::WEBHOOK)
                    hint=ArcSignal::derive(move || panel.with(webhook_hint))>
                    <input type="url" autocomplete="off" spellcheck="false" placeholder="https://hooks.slack.com/services/…"
                        prop:value=webhook_url on:input=set_webhook_url/>
                </Field>
                <Show when=has_webhook>
                    <Checkbox label="Remove the webhook" checked=remove_webhook/>
                </Show>
                <Field id="alert-email" label="E-mail to" error=refused(fields::EMAIL)
                    hint=ArcSignal::derive(move || panel.with(email_hint))>
                    <input type="text" autocomplete="off" spellcheck="false" placeholder="noc@example.com"
                        prop:value=email_to on:input=set_email_to/>
                </Field>
            </fieldset>
            {can_change.then(|| view! {
                <div class="actions">
                    <button type="submit" disabled=move || !interactive.get() || save.pending().get()>"Save alerts"</button>
                    <span role="status">{status}</span>
                </div>
            })}
            {move || saved.get().and_then(Result::err).map(|e| view! { <ErrorBox error=e/> })}
        </form>
        <Show when=move || can_change && panel.with(|p| p.configured)>
            <ConfirmButton label=Signal::stored("Switch alerts off".to_owned())
                question=Signal::stored("Switch this tenant's alerts off? Open alerts resolve without a message.".to_owned())
                confirm="Switch off" danger=true disabled=off.pending()
                on_confirm=Callback::new(move |()| {
                    save.clear();
                    off.dispatch(AlertsOff { tenant: tenant.get_untracked() });
                })/>
        </Show>
        {move || switched_off.get().and_then(Result::err).map(|e| view! { <ErrorBox error=e/> })}
    }
}

/// Messages still waiting, then the latest alerts.
#[component]
fn OpenAndRecent(current: AlertPanel) -> impl IntoView {
    view! {
        {(!current.unsent.is_empty()).then(|| view! {
            <div class="warning" role="status" data-testid="alerts-unsent">
                <p><strong>{format!("{} alert message(s) not sent yet:", current.unsent.len())}</strong></p>
                <ul>{current.unsent.iter().map(|m| view! {
                    <li>{format!(
                        "by {} — {} attempt(s){}",
                        if m.channel == "email" { "e-mail" } else { "webhook" },
                        m.attempts,
                        m.error.as_ref().map(|e| format!(": {e}")).unwrap_or_default()
                    )}</li>
                }).collect_view()}</ul>
            </div>
        })}
        {if current.alerts.is_empty() {
            view! { <p class="hint" data-testid="alerts-none">"No alert so far."</p> }.into_any()
        } else {
            view! { <AlertTable alerts=current.alerts.clone() label="Latest alerts"/> }.into_any()
        }}
    }
}

/// Alerts in a table: state, rule, what happened, when.
#[component]
fn AlertTable(alerts: Vec<AlertRow>, label: &'static str) -> impl IntoView {
    view! {
        <div class="table-scroll"><table aria-label=label data-testid="alerts-table">
            <thead><tr>
                <th scope="col">"Alert"</th><th scope="col">"State"</th><th scope="col">"What happened"</th>
                <th scope="col">"Opened"</th><th scope="col">"Resolved"</th>
            </tr></thead>
            <tbody>{alerts.into_iter().map(|a| {
                let open = a.resolved_at.is_none();
                view! {
                    <tr>
                        <td>{a.title}</td>
                        <td><span class=if open { "badge danger" } else { "badge ok" }>{if open { "Open" } else { "Resolved" }}</span></td>
                        <td>{a.summary}</td>
                        <td><When at=a.opened_at/></td>
                        <td>{when_or(a.resolved_at, "—")}</td>
                    </tr>
                }
            }).collect_view()}</tbody>
        </table></div>
    }
}
