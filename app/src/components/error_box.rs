//! How a failed server call is shown.

use leptos::prelude::*;

use crate::error::AppError;

/// A readable error message, with a sign-in link when the session has ended.
#[component]
pub fn ErrorBox(error: AppError) -> impl IntoView {
    let sign_in = matches!(error, AppError::Unauthenticated);
    let text = error.sentence();
    view! {
        <div class="alert" role="alert">
            <p>{text}</p>
            <Show when=move || sign_in>
                <a href="/login" rel="external">"Sign in"</a>
            </Show>
        </div>
    }
}
