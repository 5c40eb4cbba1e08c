//! A destructive action that runs only once the administrator typed the tenant's exact,
//! case-sensitive name.

use leptos::prelude::*;

use crate::components::use_interactive;

/// A text field asking for the tenant's name, and the button that runs `on_confirm` with what
/// was typed; `button` names the action (it should name the tenant).
#[component]
pub fn TypedConfirm(
    tenant: Signal<String>,
    button: Signal<String>,
    pending: Signal<bool>,
    on_confirm: Callback<String>,
) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let interactive = use_interactive();
    let ready = move || interactive.get() && !pending.get() && typed.get() == tenant.get();
    let run = move |_| {
        on_confirm.run(typed.get());
        typed.set(String::new());
    };
    view! {
        <label>
            {move || format!("Type the tenant name \"{}\" to confirm", tenant.get())}
            <input type="text" autocomplete="off" spellcheck="false" prop:value=move || typed.get()
                on:input=move |ev| typed.set(event_target_value(&ev))/>
        </label>
        <button type="button" class="danger" disabled=move || !ready() on:click=run>{button}</button>
    }
}
