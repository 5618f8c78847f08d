//! The bar across the top: name, preset, clock and Reset.

use super::{ClockControls, PresetSelect};
use crate::engine_context::{use_engine, Action};
use yew::prelude::*;

#[component]
pub fn Header() -> Html {
    let engine = use_engine();
    let reset = {
        let engine = engine.clone();
        Callback::from(move |_: MouseEvent| engine.dispatch(Action::Reset))
    };
    html! {
        <header class="header">
            <h1 class="brand">{ "Kubarium" }</h1>
            <PresetSelect />
            <ClockControls />
            <button class="reset" type="button" onclick={reset}
                    title="Start a fresh cluster and shell" aria-label="Reset">
                { "Reset" }
            </button>
        </header>
    }
}
