//! Moments as people read them: "3 min ago" (or "in 2 days" for an expiry), the exact time on
//! hover — in the administrator's own time zone once the page runs in the browser, in UTC before.
//! The machine-readable `datetime` stays the server's UTC RFC 3339 form, as in exports.

use leptos::prelude::*;

/// A time the server sent (RFC 3339 UTC, `YYYY-MM-DDTHH:MM:SS[.fff]Z`) as a `<time>`.
#[component]
pub fn When(#[prop(into)] at: String) -> impl IntoView {
    let Some(at_ms) = epoch_ms(&at) else {
        return view! { <time>{at}</time> }.into_any();
    };
    let now = RwSignal::new(now_ms());
    let exact = RwSignal::new(exact_utc(&at));
    // In the browser: the viewer's clock and time zone (effects do not run on the server).
    Effect::new(move |_| {
        now.set(now_ms());
        #[cfg(feature = "hydrate")]
        exact.set(exact_local(at_ms));
    });
    view! { <time datetime=at title=move || exact.get()>{move || relative(now.get() - at_ms)}</time> }.into_any()
}

/// [`When`] for a moment that may not have happened: `none` ("never") in its place.
pub fn when_or(at: Option<String>, none: &'static str) -> AnyView {
    match at {
        Some(at) => view! { <When at/> }.into_any(),
        None => none.into_any(),
    }
}

/// How long ago (`elapsed_ms` > 0) or ahead (< 0) a moment is, in the largest whole unit: "3
/// min ago", "in 2 days" (alert messages say it the same way).
pub fn relative(elapsed_ms: i64) -> String {
    const UNITS: [(i64, &str, &str); 5] = [
        (365 * 86_400, "year", "years"),
        (30 * 86_400, "month", "months"),
        (86_400, "day", "days"),
        (3_600, "h", "h"),
        (60, "min", "min"),
    ];
    let secs = elapsed_ms / 1000;
    if secs.abs() < 60 {
        return "just now".to_owned();
    }
    let (size, one, many) = UNITS.into_iter().find(|(size, ..)| secs.abs() >= *size).unwrap_or(UNITS[4]);
    let count = secs.abs() / size;
    let unit = if count == 1 { one } else { many };
    if secs > 0 {
        format!("{count} {unit} ago")
    } else {
        format!("in {count} {unit}")
    }
}

/// The exact moment in UTC, to the second: "2026-12-06 23:05:05 UTC".
fn exact_utc(at: &str) -> String {
    format!("{} UTC", at.get(..19).unwrap_or(at).replace('T', " "))
}

/// The exact moment in the browser's locale and time zone: "6 Dec 2026, 23:05:05 CET".
#[cfg(feature = "hydrate")]
fn exact_local(ms: i64) -> String {
    use leptos::wasm_bindgen::JsValue;
    use leptos::web_sys::js_sys::{Date, Object, Reflect};
    let options = Object::new();
    for (key, value) in [("dateStyle", "medium"), ("timeStyle", "long")] {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&options, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    Date::new(&JsValue::from_f64(ms as f64)).to_locale_string("default", &options).into()
}

#[cfg(feature = "hydrate")]
fn now_ms() -> i64 {
    leptos::web_sys::js_sys::Date::now() as i64
}

#[cfg(not(feature = "hydrate"))]
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Milliseconds since the Unix epoch of the server's fixed UTC form. Written by hand: it is the
/// one format the server emits, and a date crate would add to the browser's download for it.
fn epoch_ms(at: &str) -> Option<i64> {
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    let shape = at.len() >= 20 && separators.iter().all(|&(i, c)| at.as_bytes().get(i) == Some(&c));
    if !shape || !at.ends_with('Z') {
        return None;
    }
    let num = |range: std::ops::Range<usize>| at.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let millis = match at.get(19..at.len() - 1) {
        Some("") => 0,
        Some(fraction) => format!("{:0<3}", fraction.strip_prefix('.')?).get(..3)?.parse::<i64>().ok()?,
        None => return None,
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_servers_form_to_the_millisecond() {
        assert_eq!(epoch_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(epoch_ms("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(epoch_ms("2000-02-29T12:00:00.123Z"), Some(951_825_600_123));
        assert_eq!(epoch_ms("2026-12-06T23:05:05.000Z"), Some(1_796_598_305_000));
        for bad in ["", "yesterday", "2026-13-01T00:00:00Z", "2026-12-06T23:05:05+01:00", "2026-12-06T23:05:05.x1Z"] {
            assert_eq!(epoch_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn says_how_long_ago_in_the_largest_whole_unit() {
        let min = 60_000;
        assert_eq!(relative(10_000), "just now");
        assert_eq!(relative(-10_000), "just now");
        assert_eq!(relative(min), "1 min ago");
        assert_eq!(relative(59 * min), "59 min ago");
        assert_eq!(relative(60 * min), "1 h ago");
        assert_eq!(relative(49 * 60 * min), "2 days ago");
        assert_eq!(relative(-3 * 24 * 60 * min), "in 3 days");
        assert_eq!(relative(400 * 24 * 60 * min), "1 year ago");
        assert_eq!(exact_utc("2026-12-06T23:05:05.123Z"), "2026-12-06 23:05:05 UTC");
    }
}
