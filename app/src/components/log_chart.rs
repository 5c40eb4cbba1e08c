//! The activity chart of the provisioning log: requests and errors per interval as an inline
//! SVG, rendered on the server with the page (no script draws it).

use leptos::prelude::*;

use crate::dto::{ChartBucket, ChartRange, LogChart};

const WIDTH: f64 = 720.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 150.0;
const HEIGHT: f64 = 176.0;

/// A coordinate to a tenth of a unit (shorter markup, the same picture).
fn px(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// The smallest of 1, 2 or 5 times a power of ten that is at least `value` (and at least 1):
/// the top of the scale.
fn nice_top(value: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for factor in [1, 2, 5] {
            let top = step.saturating_mul(factor);
            if top >= value {
                return top;
            }
        }
        step = step.saturating_mul(10);
    }
}

/// `YYYY-MM-DD` and `HH:MM` of an interval's start (RFC 3339).
fn day_and_hour(start: &str) -> (&str, &str) {
    (start.get(..10).unwrap_or(start), start.get(11..16).unwrap_or_default())
}

/// The x-axis label of an interval, if it gets one: every sixth hour over a day, midnight over
/// a week.
fn axis_label(range: ChartRange, bucket: &ChartBucket) -> Option<String> {
    let (day, hour) = day_and_hour(&bucket.start);
    let hours: u32 = hour.get(..2)?.parse().ok()?;
    match range {
        ChartRange::Day => hours.is_multiple_of(6).then(|| hour.to_owned()),
        ChartRange::Week => (hours == 0).then(|| day.get(5..).unwrap_or(day).to_owned()),
    }
}

/// The tooltip of an interval.
fn tooltip(range: ChartRange, bucket: &ChartBucket) -> String {
    let (day, hour) = day_and_hour(&bucket.start);
    let span = match range {
        ChartRange::Day => "1 hour",
        ChartRange::Week => "6 hours",
    };
    format!("{day} {hour} UTC ({span}): {} requests, {} errors", bucket.requests, bucket.errors)
}

/// The chart of `chart`: a bar per interval for its requests, its errors overlaid in red.
#[component]
pub fn ActivityChart(chart: LogChart) -> impl IntoView {
    let range = chart.range;
    let (requests, errors) = chart.totals();
    let top = nice_top(chart.buckets.iter().map(|b| b.requests).max().unwrap_or(0));
    let slot = (WIDTH - LEFT - RIGHT) / chart.buckets.len().max(1) as f64;
    let y = move |value: u64| px(BOTTOM - value as f64 / top as f64 * (BOTTOM - TOP));
    let interval = match range {
        ChartRange::Day => "hourly",
        ChartRange::Week => "per 6 hours",
    };
    let summary = format!("{requests} requests, {errors} of them errors, in {} ({interval}, UTC)", range.label());
    let bars = chart
        .buckets
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let x = px(LEFT + i as f64 * slot + slot * 0.1);
            let width = px(slot * 0.8);
            let label = axis_label(range, b).map(|text| {
                view! { <text class="axis" x=px(x + width / 2.0) y=BOTTOM + 16.0 text-anchor="middle">{text}</text> }
            });
            view! {
                <g class="bucket">
                    <title>{tooltip(range, b)}</title>
                    <rect class="slot" x=x y=TOP width=width height=BOTTOM - TOP></rect>
                    <rect class="requests" x=x y=y(b.requests) width=width height=px(BOTTOM - y(b.requests))></rect>
                    <rect class="errors" x=x y=y(b.errors) width=width height=px(BOTTOM - y(b.errors))></rect>
                </g>
                {label}
            }
        })
        .collect_view();
    view! {
        <figure class="log-chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=summary.clone() data-testid="log-chart">
                <line class="grid" x1=LEFT x2=WIDTH - RIGHT y1=TOP y2=TOP></line>
                <line class="grid" x1=LEFT x2=WIDTH - RIGHT y1=y(top / 2) y2=y(top / 2)></line>
                <line class="baseline" x1=LEFT x2=WIDTH - RIGHT y1=BOTTOM y2=BOTTOM></line>
                <text class="axis" x=LEFT - 6.0 y=TOP + 4.0 text-anchor="end">{top}</text>
                <text class="axis" x=LEFT - 6.0 y=y(top / 2) + 4.0 text-anchor="end">{top / 2}</text>
                <text class="axis" x=LEFT - 6.0 y=BOTTOM + 4.0 text-anchor="end">"0"</text>
                {bars}
            </svg>
            <figcaption>
                <span class="key requests">"Requests"</span>
                <span class="key errors">"Errors (status 400 and above)"</span>
                <span class="hint">{summary}</span>
            </figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(start: &str) -> ChartBucket {
        ChartBucket { start: start.into(), requests: 3, errors: 1 }
    }

    #[test]
    fn scales_end_on_round_numbers() {
        assert_eq!([0, 1, 2, 3, 6, 10, 11, 99, 101, 4000].map(nice_top), [1, 1, 2, 5, 10, 10, 20, 100, 200, 5000]);
    }

    #[test]
    fn axes_label_every_sixth_hour_or_each_day() {
        assert_eq!(axis_label(ChartRange::Day, &bucket("2026-11-23T06:00:00Z")).as_deref(), Some("06:00"));
        assert_eq!(axis_label(ChartRange::Day, &bucket("2026-11-23T07:00:00Z")), None);
        assert_eq!(axis_label(ChartRange::Week, &bucket("2026-11-23T00:00:00Z")).as_deref(), Some("11-23"));
        assert_eq!(axis_label(ChartRange::Week, &bucket("2026-11-23T18:00:00Z")), None);
        assert_eq!(
            tooltip(ChartRange::Week, &bucket("2026-11-23T18:00:00Z")),
            "2026-11-23 18:00 UTC (6 hours): 3 requests, 1 errors"
        );
    }
}
