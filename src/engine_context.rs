//! The page's one piece of state: a terminal session on a simulated cluster, the clock
//! settings and what the terminal shows. Components read it with [`use_engine`] and change it
//! only by dispatching an [`Action`]; the reducer is plain Rust and unit-tested natively.

use crate::view_models::line_editor::CONTINUATION_PROMPT;
use crate::view_models::{LineEditor, Scrollback};
use gloo_timers::callback::Interval;
use kubarium_shell::{Session, SessionOptions};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Cluster presets offered by the page (see DESIGN.md, "Cluster presets").
pub const PRESETS: &[&str] = &["vagrant", "academy", "cka", "aws", "gcp"];
/// Clock speeds offered: simulated seconds per real second.
pub const SPEEDS: &[u32] = &[1, 10, 60];
/// Real milliseconds between clock ticks; each tick advances `TICK_MS * speed` simulated ms.
pub const TICK_MS: u32 = 100;
/// How far the fast-forward button moves the clock.
pub const FAST_FORWARD_MS: u64 = 30_000;

/// What can happen to the page's state.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The learner changed the text of the input line.
    Edit(String),
    /// Enter with this text in the input line.
    Submit(String),
    /// Text pasted at the end of the input line; each newline in it acts as Enter.
    Paste(String),
    /// Ctrl+C: cancel the line (and any pending continuation lines).
    Interrupt,
    /// Ctrl+L: clear the scrollback.
    ClearScreen,
    /// Tab with this text in the input line (cursor at its end): complete the last word, or
    /// list the choices when it is ambiguous, as bash does.
    Complete(String),
    /// ↑ in the input line.
    HistoryOlder,
    /// ↓ in the input line.
    HistoryNewer,
    /// Let simulated time pass (clock ticks, fast-forward).
    Advance(u64),
    SetRunning(bool),
    SetSpeed(u32),
    /// Start a fresh session on another preset.
    SelectPreset(String),
    /// Start a fresh session on the same preset.
    Reset,
}

/// The state behind the page.
///
/// The session is shared (`Rc<RefCell<..>>`) between successive states: the reducer mutates
/// it in place and returns a new state carrying the new snapshot values (`prompt`, `now_ms`,
/// ...). `revision` increases with every action, so comparing states is one integer compare.
#[derive(Clone)]
pub struct EngineState {
    revision: u64,
    session: Option<Rc<RefCell<Session>>>,
    pub preset: String,
    pub seed: u64,
    pub prompt: String,
    /// Simulated Unix time (ms) when the session started, and now.
    pub started_ms: u64,
    pub now_ms: u64,
    pub running: bool,
    pub speed: u32,
    /// `Some(status)` once the shell exited; the input is disabled until Reset.
    pub exited: Option<i32>,
    pub scrollback: Rc<Scrollback>,
    pub editor: Rc<LineEditor>,
}

impl PartialEq for EngineState {
    fn eq(&self, other: &Self) -> bool {
        self.revision == other.revision
    }
}

impl EngineState {
    /// A fresh session on `preset`. A preset the engine rejects leaves the page without a
    /// session and says why in the scrollback.
    pub fn new(preset: &str, seed: u64, running: bool) -> Self {
        let mut state = EngineState {
            revision: 0,
            session: None,
            preset: preset.to_string(),
            seed,
            prompt: String::new(),
            started_ms: 0,
            now_ms: 0,
            running,
            speed: SPEEDS[0],
            exited: None,
            scrollback: Rc::new(Scrollback::default()),
            editor: Rc::new(LineEditor::default()),
        };
        state.start_session();
        state
    }

    /// True when there is a live shell to type into.
    pub fn accepts_input(&self) -> bool {
        self.session.is_some() && self.exited.is_none()
    }

    /// The prompt in front of the input line: PS1, or `> ` while an input continues.
    pub fn input_prompt(&self) -> &str {
        if self.editor.is_continuing() {
            CONTINUATION_PROMPT
        } else {
            &self.prompt
        }
    }

    /// The session itself, for views that read the cluster.
    pub fn session(&self) -> Option<&Rc<RefCell<Session>>> {
        self.session.as_ref()
    }

    fn start_session(&mut self) {
        let mut scrollback = Scrollback::default();
        self.editor = Rc::new(LineEditor::default());
        self.exited = None;
        match Session::new(&SessionOptions {
            preset: self.preset.clone(),
            seed: self.seed,
        }) {
            Ok(mut session) => {
                // A person types here: `kubectl exec -it` attaches as on a real terminal, and
                // real time drives the clock, so `watch` keeps redrawing.
                session.set_tty(true);
                session.set_live_clock(true);
                self.prompt = session.prompt();
                self.started_ms = session.cluster().now_unix_ms();
                self.now_ms = self.started_ms;
                self.session = Some(Rc::new(RefCell::new(session)));
                scrollback.push_notice(&format!(
                    "Kubarium: a simulated Kubernetes cluster (preset {}). Try `kubectl get nodes`.\n",
                    self.preset
                ));
            }
            Err(e) => {
                self.session = None;
                self.prompt = String::new();
                scrollback.push_notice(&format!("Cannot start a session: {e}\n"));
            }
        }
        self.scrollback = Rc::new(scrollback);
    }

    /// Enter: echo the line, then run the input or wait for more lines.
    fn enter(&mut self, scrollback: &mut Scrollback, editor: &mut LineEditor) {
        let prompt = if editor.is_continuing() {
            CONTINUATION_PROMPT.to_string()
        } else {
            self.prompt.clone()
        };
        let (line, input) = editor.take_input();
        scrollback.push_input(&prompt, &line);
        let Some(session) = self.session.clone() else {
            return;
        };
        if self.exited.is_some() {
            return;
        }
        let mut session = session.borrow_mut();
        if !session.is_complete(&input) {
            editor.continue_with(input);
            return;
        }
        editor.finish(&input);
        if input.trim().is_empty() {
            return;
        }
        let (output, _status) = session.run(&input);
        scrollback.push_output(&output);
        self.prompt = session.prompt();
        self.now_ms = session.cluster().now_unix_ms();
        self.exited = session.exited();
        if let Some(status) = self.exited {
            scrollback.push_notice(&format!(
                "The shell exited with status {status}. Press Reset to start a new session.\n"
            ));
        }
    }
}

impl Reducible for EngineState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.revision += 1;
        match action {
            Action::Edit(line) => Rc::make_mut(&mut next.editor).edit(line),
            Action::Submit(line) => {
                let mut scrollback = (*next.scrollback).clone();
                let mut editor = (*next.editor).clone();
                editor.edit(line);
                next.enter(&mut scrollback, &mut editor);
                next.scrollback = Rc::new(scrollback);
                next.editor = Rc::new(editor);
            }
            Action::Paste(text) => {
                let mut scrollback = (*next.scrollback).clone();
                let mut editor = (*next.editor).clone();
                let text = text.replace("\r\n", "\n");
                let mut parts = text.split('\n').peekable();
                while let Some(part) = parts.next() {
                    let line = format!("{}{}", editor.line, part);
                    editor.edit(line);
                    if parts.peek().is_some() {
                        next.enter(&mut scrollback, &mut editor);
                    }
                }
                next.scrollback = Rc::new(scrollback);
                next.editor = Rc::new(editor);
            }
            Action::Interrupt => {
                if let Some(session) = &next.session {
                    session.borrow_mut().interrupt();
                }
                let mut scrollback = (*next.scrollback).clone();
                let prompt = next.input_prompt().to_string();
                let line = Rc::make_mut(&mut next.editor).cancel();
                scrollback.push_input(&prompt, &format!("{line}^C"));
                next.scrollback = Rc::new(scrollback);
            }
            Action::ClearScreen => next.scrollback = Rc::new(Scrollback::default()),
            Action::Complete(line) => {
                let completion = match &next.session {
                    Some(session) => session.borrow().complete(&line, line.len()),
                    None => return Rc::new(next),
                };
                let word = &line[completion.start.min(line.len())..];
                let common = completion.common_prefix();
                let mut editor = (*next.editor).clone();
                if completion.candidates.len() == 1 {
                    let c = &completion.candidates[0];
                    let space = if c.ends_with('/') { "" } else { " " };
                    editor.edit(format!(
                        "{}{c}{space}",
                        &line[..completion.start.min(line.len())]
                    ));
                } else if common.len() > word.len() {
                    editor.edit(format!(
                        "{}{common}",
                        &line[..completion.start.min(line.len())]
                    ));
                } else if completion.candidates.len() > 1 {
                    let mut scrollback = (*next.scrollback).clone();
                    scrollback.push_input(&next.prompt, &line);
                    scrollback.push_notice(&format!("{}\n", completion.candidates.join("  ")));
                    next.scrollback = Rc::new(scrollback);
                    editor.edit(line);
                }
                next.editor = Rc::new(editor);
            }
            Action::HistoryOlder => Rc::make_mut(&mut next.editor).older(),
            Action::HistoryNewer => Rc::make_mut(&mut next.editor).newer(),
            Action::Advance(ms) => {
                if let Some(session) = &next.session {
                    let mut session = session.borrow_mut();
                    session.advance(ms);
                    next.now_ms = session.cluster().now_unix_ms();
                    if let Some(frame) = session.take_frame() {
                        let mut scrollback = (*next.scrollback).clone();
                        scrollback.push_output(&frame);
                        next.scrollback = Rc::new(scrollback);
                    }
                }
            }
            Action::SetRunning(running) => next.running = running,
            Action::SetSpeed(speed) => next.speed = speed.max(1),
            Action::SelectPreset(preset) => {
                next.preset = preset;
                next.start_session();
            }
            Action::Reset => next.start_session(),
        }
        Rc::new(next)
    }
}

/// What components get from [`use_engine`].
pub type EngineContext = UseReducerHandle<EngineState>;

#[derive(Properties, PartialEq)]
pub struct EngineProviderProps {
    #[prop_or_default]
    pub children: Html,
    /// Preset of the first session.
    #[prop_or_else(|| AttrValue::from("vagrant"))]
    pub preset: AttrValue,
    #[prop_or(1)]
    pub seed: u64,
    /// Whether the clock starts running (tests start it paused for determinism).
    #[prop_or(true)]
    pub autoplay: bool,
}

/// Owns the state, shares it through a context and runs the clock: while it runs, every
/// `TICK_MS` real milliseconds it advances the cluster by `TICK_MS * speed` simulated ones.
#[component]
pub fn EngineProvider(props: &EngineProviderProps) -> Html {
    let state = {
        let (preset, seed, autoplay) = (props.preset.clone(), props.seed, props.autoplay);
        use_reducer(move || EngineState::new(&preset, seed, autoplay))
    };
    {
        let dispatcher = state.dispatcher();
        use_effect_with((state.running, state.speed), move |&(running, speed)| {
            let ticks = running.then(|| {
                Interval::new(TICK_MS, move || {
                    dispatcher.dispatch(Action::Advance(u64::from(TICK_MS * speed)))
                })
            });
            move || drop(ticks)
        });
    }
    html! {
        <ContextProvider<EngineContext> context={state}>
            { props.children.clone() }
        </ContextProvider<EngineContext>>
    }
}

/// The page state and its dispatcher, from the nearest [`EngineProvider`].
#[hook]
pub fn use_engine() -> EngineContext {
    use_context::<EngineContext>().expect("use_engine() is only used below <EngineProvider>")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> Rc<EngineState> {
        Rc::new(EngineState::new("vagrant", 1, false))
    }

    #[test]
    fn starts_with_a_prompt_and_a_banner() {
        let s = state();
        assert!(s.accepts_input());
        assert!(s.prompt.ends_with("# "), "{:?}", s.prompt);
        assert!(s.scrollback.text().contains("preset vagrant"));
    }

    #[test]
    fn unknown_preset_is_reported_not_panicked() {
        let s = EngineState::new("nope", 1, false);
        assert!(!s.accepts_input());
        assert!(s.scrollback.text().contains("Cannot start a session"));
    }

    #[test]
    fn submit_echoes_the_line_and_records_history() {
        let s = state().reduce(Action::Submit("true".into()));
        assert!(s.scrollback.text().contains("# true\n"));
        assert_eq!(s.editor.history(), ["true"]);
        assert!(s.editor.line.is_empty());
        let s = s.reduce(Action::HistoryOlder);
        assert_eq!(s.editor.line, "true");
    }

    #[test]
    fn interrupt_shows_caret_c_and_empties_the_line() {
        let s = state()
            .reduce(Action::Edit("kubectl get po".into()))
            .reduce(Action::Interrupt);
        assert!(s.scrollback.text().contains("kubectl get po^C\n"));
        assert!(s.editor.line.is_empty());
    }

    #[test]
    fn advance_moves_simulated_time_and_reset_starts_over() {
        let s = state();
        let start = s.now_ms;
        let s = s.reduce(Action::Advance(FAST_FORWARD_MS));
        assert_eq!(s.now_ms, start + FAST_FORWARD_MS);
        let s = s
            .reduce(Action::Submit("true".into()))
            .reduce(Action::Reset);
        assert!(!s.scrollback.text().contains("# true"));
        assert!(s.editor.history().is_empty());
    }

    #[test]
    fn ticks_do_not_copy_the_scrollback() {
        let s = state();
        let t = s.clone().reduce(Action::Advance(100));
        assert!(Rc::ptr_eq(&s.scrollback, &t.scrollback));
        assert!(s != t);
    }

    #[test]
    fn preset_selection_starts_a_fresh_session() {
        let s = state().reduce(Action::SelectPreset("cka".into()));
        assert_eq!(s.preset, "cka");
        assert!(s.accepts_input());
    }
}
