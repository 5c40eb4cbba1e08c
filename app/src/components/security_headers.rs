//! The Content-Security-Policy of dashboard pages. Leptos gives every server-rendered response
//! a fresh nonce and puts it on its own inline hydration scripts; the policy allows exactly
//! those scripts, the site's own files and the WebAssembly module, and nothing else — no
//! framing (clickjacking), no plugins, no foreign hosts.

use leptos::prelude::*;

/// The policy for a page whose inline scripts carry `nonce`.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sets the page's Content-Security-Policy header (on the server; nothing in the browser).
#[component]
pub fn SecurityHeaders() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(response), Some(nonce)) = (use_context::<leptos_axum::ResponseOptions>(), leptos::nonce::use_nonce()) {
        if let Ok(value) = http::HeaderValue::from_str(&content_security_policy(&nonce.to_string())) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::content_security_policy;

    #[test]
    fn the_policy_allows_only_the_nonce_and_forbids_framing() {
        let csp = content_security_policy("abc123");
        assert!(csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }
}
