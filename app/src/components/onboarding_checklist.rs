//! The onboarding checklist of a tenant's SCIM integration: each step checked from the data
//! (the settings, the mappers, the provisioning log), refreshed every few seconds until all are
//! done, each done step linking to its evidence.

use std::time::Duration;

use leptos::prelude::*;

use crate::api::get_onboarding_checklist;
use crate::components::error_box::ErrorBox;
use crate::components::polling::use_polling;
use crate::dto::{Checklist, ChecklistItem};

/// How often an unfinished checklist is checked again.
const REFRESH: Duration = Duration::from_secs(3);

/// The checklist of `tenant`.
#[component]
pub fn OnboardingChecklist(#[prop(into)] tenant: Signal<String>) -> impl IntoView {
    let (pending, set_pending) = signal(false);
    let tick = use_polling(move || pending.get(), REFRESH);
    let checklist = Resource::new(move || (tenant.get(), tick.get()), |(tenant, _)| get_onboarding_checklist(tenant));
    Effect::new(move |_| {
        set_pending.set(checklist.get().and_then(Result::ok).is_some_and(|c: Checklist| !c.complete()));
    });
    view! {
        <section class="panel" aria-labelledby="onboarding-heading">
            <h3 id="onboarding-heading">"Onboarding checklist"</h3>
            <p class="hint">"Checked from this tenant's data as your identity provider works; refreshed every few seconds until every step is done."</p>
            <Transition fallback=|| view! { <p>"Checking…"</p> }>
                {move || Suspend::new(async move {
                    match checklist.await {
                        Ok(c) => {
                            let done = c.items.iter().filter(|i| i.done).count();
                            let total = c.items.len();
                            view! {
                                <p role="status" data-testid="onboarding-summary">{format!("{done} of {total} steps done")}</p>
                                <ol class="checklist">{c.items.into_iter().map(step).collect_view()}</ol>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn step(item: ChecklistItem) -> impl IntoView {
    let (mark, state) = if item.done { ("✓", "Done") } else { ("○", "To do") };
    view! {
        <li class=if item.done { "check done" } else { "check todo" } data-testid=format!("check-{}", item.key)
            data-done=item.done.to_string()>
            <span class="check-mark" aria-hidden="true">{mark}</span>
            <span class="visually-hidden">{format!("{state}: ")}</span>
            <span class="check-label">{item.label}</span>
            <span class="check-evidence">{item.evidence}</span>
            {item.link.map(|href| view! { <a class="check-link" href=href>{if item.done { "Evidence" } else { "Open" }}</a> })}
        </li>
    }
}
