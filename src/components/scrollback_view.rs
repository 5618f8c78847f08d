//! The scrollback, drawn only when it changed: clock ticks re-render the page ten times a
//! second, and a long scrollback must not be diffed each time.

use crate::view_models::{EntryKind, Scrollback};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties)]
pub struct ScrollbackViewProps {
    pub scrollback: Rc<Scrollback>,
}

impl PartialEq for ScrollbackViewProps {
    /// The reducer replaces the scrollback whenever it changes, so identity is enough.
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.scrollback, &other.scrollback)
    }
}

#[component]
pub fn ScrollbackView(props: &ScrollbackViewProps) -> Html {
    html! {
        <div class="scrollback" role="log" aria-live="polite">
            { for props.scrollback.entries().iter().map(|entry| {
                let text = entry.text.strip_suffix('\n').unwrap_or(&entry.text).to_string();
                match entry.kind {
                    EntryKind::Input => html! {
                        <div class="line input"><span class="prompt">{ entry.prompt.to_string() }</span>{ text }</div>
                    },
                    EntryKind::Stdout => html! { <div class="line stdout">{ text }</div> },
                    EntryKind::Stderr => html! { <div class="line stderr">{ text }</div> },
                    EntryKind::Notice => html! { <div class="line notice">{ text }</div> },
                }
            }) }
        </div>
    }
}
