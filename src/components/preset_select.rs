//! Chooses the cluster preset; choosing one starts a fresh session.

use crate::engine_context::{use_engine, Action, PRESETS};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[component]
pub fn PresetSelect() -> Html {
    let engine = use_engine();
    let onchange = {
        let engine = engine.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<HtmlSelectElement>() {
                engine.dispatch(Action::SelectPreset(select.value()));
            }
        })
    };
    html! {
        <label class="preset">
            { "Cluster " }
            <select {onchange} aria-label="Cluster preset">
                { for PRESETS.iter().map(|p| html! {
                    <option value={*p} selected={engine.preset == *p}>{ *p }</option>
                }) }
            </select>
        </label>
    }
}
