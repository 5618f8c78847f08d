//! Entry point of the wasm build (trunk builds this binary; see index.html).

#[cfg(target_arch = "wasm32")]
fn main() {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("kubarium"));
    let props = kubarium::AppProps::default();
    match root {
        Some(root) => yew::Renderer::<kubarium::App>::with_root_and_props(root, props).render(),
        None => yew::Renderer::<kubarium::App>::with_props(props).render(),
    };
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("kubarium-web is the browser build: run scripts/serve (the native terminal is `kubarium shell`).");
    std::process::exit(2);
}
