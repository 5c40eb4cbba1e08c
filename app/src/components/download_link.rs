//! A link that saves a text as a file, from a `data:` URL (nothing is fetched).

use std::fmt::Write as _;

use leptos::prelude::*;

/// `text` with every byte but the unreserved ones (`A-Z a-z 0-9 - _ . ~`) percent-encoded: safe
/// in a `data:` URL and as one segment of a path.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// "Download `file_name`": saves `text` (JSON) under that name.
#[component]
pub fn DownloadLink(#[prop(into)] text: Signal<String>, #[prop(into)] file_name: Signal<String>) -> impl IntoView {
    let href = move || format!("data:application/json;charset=utf-8,{}", percent_encode(&text.get()));
    view! {
        <a class="button secondary small" href=href download=move || file_name.get()>
            {move || format!("Download {}", file_name.get())}
        </a>
    }
}

#[cfg(test)]
mod tests {
    use super::percent_encode;

    #[test]
    fn only_unreserved_bytes_stay() {
        assert_eq!(percent_encode("a-Z_0.~"), "a-Z_0.~");
        assert_eq!(percent_encode("{\"a\": 1}\n"), "%7B%22a%22%3A%201%7D%0A");
        assert_eq!(percent_encode("é/#"), "%C3%A9%2F%23");
    }
}
