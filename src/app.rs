//! The page: header over the terminal, around one shared state.

use crate::components::{Header, Terminal};
use crate::engine_context::EngineProvider;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// Preset of the first session.
    #[prop_or_else(|| AttrValue::from("vagrant"))]
    pub preset: AttrValue,
    #[prop_or(1)]
    pub seed: u64,
    /// Whether the simulated clock starts running (browser tests start it paused).
    #[prop_or(true)]
    pub autoplay: bool,
}

impl Default for AppProps {
    fn default() -> Self {
        yew::props!(AppProps {})
    }
}

#[component]
pub fn App(props: &AppProps) -> Html {
    html! {
        <EngineProvider preset={props.preset.clone()} seed={props.seed} autoplay={props.autoplay}>
            <div class="app">
                <Header />
                <main class="workspace">
                    <Terminal />
                </main>
            </div>
        </EngineProvider>
    }
}
