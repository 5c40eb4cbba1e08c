//! A button whose action asks first: the question names what is changed (and in which tenant).

use leptos::html;
use leptos::prelude::*;

use crate::components::use_interactive;

/// `label` opens a confirmation asking `question`; `confirm` runs `on_confirm`, Cancel or
/// Escape closes it and gives the focus back to the opener.
#[component]
pub fn ConfirmButton(
    label: Signal<String>,
    question: Signal<String>,
    confirm: &'static str,
    #[prop(optional)] danger: bool,
    #[prop(into)] disabled: Signal<bool>,
    on_confirm: Callback<()>,
) -> impl IntoView {
    let interactive = use_interactive();
    let open = RwSignal::new(false);
    let dialog = NodeRef::<html::Div>::new();
    let opener = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let Some(el) = dialog.get() {
            let _ = el.focus();
        }
    });
    let close = move || {
        open.set(false);
        request_animation_frame(move || {
            if let Some(el) = opener.get_untracked() {
                let _ = el.focus();
            }
        });
    };
    let off = move || !interactive.get() || disabled.get();
    view! {
        <span class="confirm-button">
            <button type="button" node_ref=opener class=if danger { "danger-outline" } else { "secondary" }
                hidden=move || open.get() disabled=off on:click=move |_| open.set(true)>
                {label}
            </button>
            <Show when=move || open.get()>
                <div class="confirm" role="alertdialog" tabindex="-1" node_ref=dialog aria-label=move || question.get()
                    on:keydown=move |ev| if ev.key() == "Escape" { close() }>
                    <p class="question">{question}</p>
                    <div class="actions">
                        <button type="button" class=if danger { "danger" } else { "" } disabled=off
                            on:click=move |_| { open.set(false); on_confirm.run(()) }>
                            {confirm}
                        </button>
                        <button type="button" class="secondary" on:click=move |_| close()>"Cancel"</button>
                    </div>
                </div>
            </Show>
        </span>
    }
}
