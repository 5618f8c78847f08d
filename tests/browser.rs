//! Browser tests: the page mounted in headless Chromium and driven the way a learner drives
//! it — real `input` and `keydown` events on the command line, real clicks on the buttons —
//! with assertions on the DOM.
//!
//! Run with `scripts/test`, or alone:
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test browser`.
//! Natively this file is empty, so `cargo test --workspace` does not try to run it.
#![cfg(target_arch = "wasm32")]

use kubarium::{App, AppProps};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{
    Element, HtmlElement, HtmlInputElement, InputEvent, InputEventInit, KeyboardEvent,
    KeyboardEventInit,
};
use yew::AttrValue;

wasm_bindgen_test_configure!(run_in_browser);

/// One mounted page, in its own `<div>`, with the clock paused so that only the test moves
/// simulated time.
struct Page {
    root: Element,
}

impl Page {
    async fn open() -> Page {
        let document = web_sys::window().unwrap().document().unwrap();
        let root = document.create_element("div").unwrap();
        document.body().unwrap().append_child(&root).unwrap();
        let props = AppProps {
            preset: AttrValue::from("vagrant"),
            seed: 1,
            autoplay: false,
        };
        debug_assert!(
            AppProps::default().autoplay,
            "the page itself starts with the clock running"
        );
        yew::Renderer::<App>::with_root_and_props(root.clone(), props).render();
        yew::scheduler::flush().await;
        Page { root }
    }

    fn find(&self, selector: &str) -> Element {
        self.root
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("no element matches {selector:?}"))
    }

    fn input(&self) -> HtmlInputElement {
        self.find("input.command").dyn_into().unwrap()
    }

    /// Types `text` into the command line (replacing what is there), as an `input` event.
    async fn type_text(&self, text: &str) {
        let input = self.input();
        input.set_value(text);
        let init = InputEventInit::new();
        init.set_bubbles(true);
        init.set_data(Some(text));
        let event = InputEvent::new_with_event_init_dict("input", &init).unwrap();
        input.dispatch_event(&event).unwrap();
        yew::scheduler::flush().await;
    }

    /// Presses a key in the command line.
    async fn press(&self, key: &str, ctrl: bool) {
        let init = KeyboardEventInit::new();
        init.set_key(key);
        init.set_ctrl_key(ctrl);
        init.set_bubbles(true);
        init.set_cancelable(true);
        let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
        self.input().dispatch_event(&event).unwrap();
        yew::scheduler::flush().await;
    }

    /// Types a command and presses Enter.
    async fn run(&self, command: &str) {
        self.type_text(command).await;
        self.press("Enter", false).await;
    }

    async fn click(&self, selector: &str) {
        self.find(selector)
            .dyn_into::<HtmlElement>()
            .unwrap()
            .click();
        yew::scheduler::flush().await;
    }

    /// Texts of the scrollback lines of one kind (`input`, `stdout`, `stderr`, `notice`).
    fn lines(&self, kind: &str) -> Vec<String> {
        let list = self
            .root
            .query_selector_all(&format!(".scrollback .line.{kind}"))
            .unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i))
            .map(|n| n.text_content().unwrap_or_default())
            .collect()
    }

    fn prompt(&self) -> String {
        self.find(".input-line .prompt")
            .text_content()
            .unwrap_or_default()
    }
}

#[wasm_bindgen_test]
async fn shows_the_prompt_of_the_preset() {
    let page = Page::open().await;
    assert_eq!(page.prompt(), "root@m-k8s:~# ");
    assert!(page.find("h1").text_content().unwrap().contains("Kubarium"));
}

#[wasm_bindgen_test]
async fn enter_echoes_the_command_with_its_prompt_and_empties_the_line() {
    let page = Page::open().await;
    page.run("echo hello").await;
    assert_eq!(page.lines("input"), ["root@m-k8s:~# echo hello"]);
    assert_eq!(page.input().value(), "");
}

#[wasm_bindgen_test]
async fn echo_prints_on_stdout() {
    let page = Page::open().await;
    page.run("echo hello").await;
    assert_eq!(page.lines("stdout"), ["hello"]);
    assert!(page.lines("stderr").is_empty());
}

#[wasm_bindgen_test]
async fn an_unknown_command_prints_on_stderr() {
    let page = Page::open().await;
    page.run("kubctl get pods").await;
    let stderr = page.lines("stderr").join("\n");
    assert!(stderr.contains("kubctl: command not found"), "{stderr:?}");
}

#[wasm_bindgen_test]
async fn arrow_up_restores_the_previous_command_and_down_the_draft() {
    let page = Page::open().await;
    page.run("echo one").await;
    page.run("echo two").await;
    page.type_text("half").await;
    page.press("ArrowUp", false).await;
    assert_eq!(page.input().value(), "echo two");
    page.press("ArrowUp", false).await;
    assert_eq!(page.input().value(), "echo one");
    page.press("ArrowDown", false).await;
    page.press("ArrowDown", false).await;
    assert_eq!(page.input().value(), "half");
}

#[wasm_bindgen_test]
async fn ctrl_c_cancels_the_line_and_ctrl_l_clears_the_screen() {
    let page = Page::open().await;
    page.type_text("kubectl delete everything").await;
    page.press("c", true).await;
    assert_eq!(page.input().value(), "");
    assert_eq!(
        page.lines("input"),
        ["root@m-k8s:~# kubectl delete everything^C"]
    );
    page.press("l", true).await;
    assert!(page.lines("input").is_empty());
    assert!(page.lines("notice").is_empty());
}

#[wasm_bindgen_test]
async fn an_open_heredoc_continues_with_the_secondary_prompt() {
    let page = Page::open().await;
    page.run("cat <<EOF").await;
    assert_eq!(page.prompt(), "> ");
    page.run("inside").await;
    page.run("EOF").await;
    assert_eq!(page.prompt(), "root@m-k8s:~# ");
    assert_eq!(
        page.lines("input"),
        ["root@m-k8s:~# cat <<EOF", "> inside", "> EOF"]
    );
    assert_eq!(page.lines("stdout"), ["inside"]);
}

#[wasm_bindgen_test]
async fn reset_clears_the_scrollback_and_history() {
    let page = Page::open().await;
    page.run("echo hello").await;
    page.click("button.reset").await;
    assert!(page.lines("input").is_empty());
    assert!(page.lines("stdout").is_empty());
    page.press("ArrowUp", false).await;
    assert_eq!(page.input().value(), "");
}

#[wasm_bindgen_test]
async fn fast_forward_advances_the_simulated_clock() {
    let page = Page::open().await;
    assert_eq!(
        page.find(".clock .elapsed").text_content().unwrap(),
        "0:00:00"
    );
    page.click(r#"button[aria-label="Advance 30 seconds"]"#)
        .await;
    assert_eq!(
        page.find(".clock .elapsed").text_content().unwrap(),
        "0:00:30"
    );
}

#[wasm_bindgen_test]
async fn choosing_a_preset_starts_its_cluster() {
    let page = Page::open().await;
    let select: web_sys::HtmlSelectElement = page.find("select").dyn_into().unwrap();
    select.set_value("cka");
    let event = web_sys::Event::new_with_event_init_dict("change", &{
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        init
    })
    .unwrap();
    select.dispatch_event(&event).unwrap();
    yew::scheduler::flush().await;
    assert_eq!(page.prompt(), "root@controlplane:~# ");
}

/// The real target: a learner creates a pod, lets simulated time pass, and sees it Running.
/// Waits on kubectl (crates/shell) and the kubelet simulation (crates/engine).
#[wasm_bindgen_test]
async fn kubectl_run_then_get_pods_shows_running() {
    let page = Page::open().await;
    page.run("kubectl run web --image=nginx").await;
    assert_eq!(page.lines("stdout").join("\n"), "pod/web created");
    page.click(r#"button[aria-label="Advance 30 seconds"]"#)
        .await;
    page.run("kubectl get pods").await;
    let out = page.lines("stdout").join("\n");
    assert!(
        out.lines()
            .any(|l| l.starts_with("web ") && l.contains("Running")),
        "expected web Running in:\n{out}\nstderr:\n{}",
        page.lines("stderr").join("\n")
    );
}

#[wasm_bindgen_test]
async fn tab_completes_kubectl_words_and_lists_ambiguous_choices() {
    let page = Page::open().await;
    page.type_text("kubectl get no").await;
    page.press("Tab", false).await;
    assert_eq!(page.input().value(), "kubectl get nodes ");
    page.type_text("kubectl get nodes w").await;
    page.press("Tab", false).await;
    assert_eq!(
        page.input().value(),
        "kubectl get nodes w",
        "three workers share only the prefix w"
    );
    page.press("Tab", false).await;
    let listed = page.lines("notice").join("\n");
    assert!(
        listed.contains("w1-k8s  w2-k8s  w3-k8s"),
        "ambiguous choices are listed: {listed}"
    );
}

#[wasm_bindgen_test]
async fn exec_it_attaches_the_terminal_to_the_container_shell() {
    let page = Page::open().await;
    page.run("kubectl run bb --image=busybox -- sleep 3600")
        .await;
    page.click(r#"button[aria-label="Advance 30 seconds"]"#)
        .await;
    page.run("kubectl exec -it bb -- sh").await;
    assert_eq!(
        page.prompt(),
        "/ # ",
        "the container's shell prompt replaces the node's"
    );
    page.run("hostname").await;
    assert!(
        page.lines("stdout").iter().any(|l| l == "bb"),
        "hostname inside the pod: {:?}",
        page.lines("stdout")
    );
    page.run("exit").await;
    assert_eq!(page.prompt(), "root@m-k8s:~# ");
}

#[wasm_bindgen_test]
async fn watch_redraws_the_screen_as_the_clock_runs() {
    let page = Page::open().await;
    page.run("kubectl run web --image=nginx").await;
    page.run("watch kubectl get pods").await;
    let first = page.lines("stdout").join("\n");
    assert!(first.contains("Every 2.0s: kubectl get pods"), "{first}");
    assert!(
        !first.contains("Running"),
        "the pod has not started yet: {first}"
    );
    page.click(r#"button[aria-label="Advance 30 seconds"]"#)
        .await;
    let screen = page.lines("stdout").join("\n");
    assert_eq!(
        screen.matches("Every 2.0s").count(),
        1,
        "each redraw replaces the screen: {screen}"
    );
    assert!(
        screen.contains("Running"),
        "the redrawn screen shows the pod running: {screen}"
    );
    page.press("c", true).await;
    let before = page.lines("stdout");
    page.click(r#"button[aria-label="Advance 30 seconds"]"#)
        .await;
    assert_eq!(
        page.lines("stdout"),
        before,
        "after Ctrl+C the watch no longer redraws"
    );
}
