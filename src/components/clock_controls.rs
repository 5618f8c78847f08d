//! Play/pause, speed, fast-forward and the simulated time.

use crate::engine_context::{use_engine, Action, FAST_FORWARD_MS, SPEEDS};
use crate::view_models::sim_time::{format_elapsed, format_time_of_day};
use yew::prelude::*;

#[component]
pub fn ClockControls() -> Html {
    let engine = use_engine();
    let toggle = {
        let engine = engine.clone();
        let running = engine.running;
        Callback::from(move |_: MouseEvent| engine.dispatch(Action::SetRunning(!running)))
    };
    let fast_forward = {
        let engine = engine.clone();
        Callback::from(move |_: MouseEvent| engine.dispatch(Action::Advance(FAST_FORWARD_MS)))
    };
    let (play_label, play_icon) = if engine.running {
        ("Pause clock", pause_icon())
    } else {
        ("Run clock", play_icon())
    };
    html! {
        <div class="clock" role="group" aria-label="Simulated clock">
            <button type="button" class="play" onclick={toggle} title={play_label} aria-label={play_label}>
                { play_icon }
            </button>
            { for SPEEDS.iter().map(|&speed| {
                let active = engine.speed == speed;
                let dispatcher = engine.dispatcher();
                let onclick = Callback::from(move |_: MouseEvent| dispatcher.dispatch(Action::SetSpeed(speed)));
                let label = format!("{speed}x");
                html! {
                    <button type="button" class={classes!("speed", active.then_some("active"))}
                            aria-pressed={active.to_string()}
                            title={format!("Simulated time runs {speed} times as fast as real time")}
                            {onclick}>{ label }</button>
                }
            }) }
            <button type="button" class="step" onclick={fast_forward}
                    title="Advance simulated time by 30 seconds" aria-label="Advance 30 seconds">
                { fast_forward_icon() }{ "+30s" }
            </button>
            <span class="time" title="Simulated time since the cluster started (UTC time of day)">
                <span class="elapsed">{ format_elapsed(engine.now_ms.saturating_sub(engine.started_ms)) }</span>
                <span class="wall">{ format_time_of_day(engine.now_ms) }</span>
            </span>
        </div>
    }
}

// Icons are inline SVG rather than the ▶ ⏸ ⏭ characters, which many systems' fonts lack.

fn play_icon() -> Html {
    html! { <svg class="icon" viewBox="0 0 16 16" aria-hidden="true"><path d="M4 2.5v11l9-5.5z" /></svg> }
}

fn pause_icon() -> Html {
    html! {
        <svg class="icon" viewBox="0 0 16 16" aria-hidden="true">
            <rect x="3.5" y="2.5" width="3" height="11" /><rect x="9.5" y="2.5" width="3" height="11" />
        </svg>
    }
}

fn fast_forward_icon() -> Html {
    html! {
        <svg class="icon" viewBox="0 0 16 16" aria-hidden="true">
            <path d="M1.5 3v10l6-5zM7.5 3v10l6-5z" /><rect x="13" y="3" width="1.8" height="10" />
        </svg>
    }
}
