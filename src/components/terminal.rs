//! The terminal panel: scrollback, then the prompt and the input line.
//!
//! Keys: Enter runs (or continues an incomplete input with `> `), Tab completes, ↑/↓ browse history,
//! Ctrl+C cancels the line (unless text is selected: then it copies), Ctrl+L clears.
//! Multi-line paste runs each complete line, as a terminal does.

use super::ScrollbackView;
use crate::engine_context::{use_engine, Action};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement};
use yew::prelude::*;

/// True when the learner has selected text on the page (Ctrl+C then means copy).
fn has_selection() -> bool {
    web_sys::window()
        .and_then(|w| w.get_selection().ok().flatten())
        .is_some_and(|s| !s.is_collapsed())
}

#[component]
pub fn Terminal() -> Html {
    let engine = use_engine();
    let input_ref = use_node_ref();
    let panel_ref = use_node_ref();

    // Keep the newest line in view whenever the scrollback or the prompt changes.
    {
        let panel_ref = panel_ref.clone();
        let deps = (
            Rc::as_ptr(&engine.scrollback) as usize,
            engine.scrollback.version(),
            engine.editor.is_continuing(),
        );
        use_effect_with(deps, move |_| {
            if let Some(panel) = panel_ref.cast::<HtmlElement>() {
                panel.set_scroll_top(panel.scroll_height());
            }
        });
    }
    // Focus the input on start and after Reset.
    {
        let input_ref = input_ref.clone();
        use_effect_with(engine.accepts_input(), move |_| {
            if let Some(input) = input_ref.cast::<HtmlInputElement>() {
                let _ = input.focus();
            }
        });
    }

    let oninput = {
        let engine = engine.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                engine.dispatch(Action::Edit(input.value()));
            }
        })
    };
    let onkeydown = {
        let engine = engine.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.is_composing() {
                return;
            }
            let action = match (e.key().as_str(), e.ctrl_key() || e.meta_key()) {
                ("Enter", _) => match e.target_dyn_into::<HtmlInputElement>() {
                    Some(input) => Action::Submit(input.value()),
                    None => return,
                },
                ("ArrowUp", _) => Action::HistoryOlder,
                ("ArrowDown", _) => Action::HistoryNewer,
                ("c" | "C", true) if !has_selection() => Action::Interrupt,
                ("l" | "L", true) => Action::ClearScreen,
                ("Tab", _) => match e.target_dyn_into::<HtmlInputElement>() {
                    Some(input) => Action::Complete(input.value()),
                    None => return,
                },
                _ => return,
            };
            e.prevent_default();
            engine.dispatch(action);
        })
    };
    let onpaste = {
        let engine = engine.clone();
        Callback::from(move |e: Event| {
            let Ok(e) = e.dyn_into::<web_sys::ClipboardEvent>() else {
                return;
            };
            let Some(text) = e
                .clipboard_data()
                .and_then(|d| d.get_data("text/plain").ok())
            else {
                return;
            };
            if text.contains('\n') {
                e.prevent_default();
                engine.dispatch(Action::Paste(text));
            }
        })
    };
    let focus_input = {
        let input_ref = input_ref.clone();
        Callback::from(move |_: MouseEvent| {
            if !has_selection() {
                if let Some(input) = input_ref.cast::<HtmlInputElement>() {
                    let _ = input.focus();
                }
            }
        })
    };

    html! {
        <section class="terminal" ref={panel_ref} onclick={focus_input} aria-label="Terminal">
            <ScrollbackView scrollback={engine.scrollback.clone()} />
            <div class="input-line">
                <span class="prompt">{ engine.input_prompt().to_string() }</span>
                <input ref={input_ref} class="command" type="text"
                       value={engine.editor.line.clone()}
                       disabled={!engine.accepts_input()}
                       {oninput} {onkeydown} {onpaste}
                       aria-label="Command line"
                       autocomplete="off" autocapitalize="off" spellcheck="false" />
            </div>
        </section>
    }
}
