//! Polling while something is under way: a counter that ticks every `period` while `active`
//! says so. Resources that read it refetch on each tick. Effects run only in the browser, so
//! the server never polls.

use std::time::Duration;

use leptos::prelude::*;

/// A tick counter that advances every `period` while `active()` is true.
pub fn use_polling(active: impl Fn() -> bool + Send + Sync + 'static, period: Duration) -> ReadSignal<u64> {
    let (tick, set_tick) = signal(0u64);
    let poller = StoredValue::new(None::<IntervalHandle>);
    Effect::new(move |_| match (active(), poller.get_value()) {
        (true, None) => {
            if let Ok(handle) = set_interval_with_handle(move || set_tick.try_update(|t| *t += 1).unwrap_or(()), period)
            {
                poller.set_value(Some(handle));
            }
        }
        (false, Some(handle)) => {
            handle.clear();
            poller.set_value(None);
        }
        _ => {}
    });
    on_cleanup(move || {
        if let Some(handle) = poller.try_get_value().flatten() {
            handle.clear();
        }
    });
    tick
}
