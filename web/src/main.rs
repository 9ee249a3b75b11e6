//! The kubeplay browser app. This first version is a terminal: a scrollback and an input line
//! that feed the shared `shell::Shell`, which runs the whole cluster inside the page.
//! The full playground UI (editor, cluster view, persistence) is its own issue.

use shell::{MemoryFs, Shell};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// One finished command in the scrollback.
#[derive(Clone, PartialEq)]
struct Entry {
    line: String,
    chunks: Vec<(bool, String)>,
}

#[function_component(App)]
fn app() -> Html {
    let shell = use_mut_ref(|| Shell::new(cluster::Cluster::new(1), Box::new(MemoryFs::default())));
    let entries = use_state(Vec::<Entry>::new);
    let clock = use_state(|| clock_text(&shell));
    let input_ref = use_node_ref();

    let onkeydown = {
        let shell = shell.clone();
        let entries = entries.clone();
        let clock = clock.clone();
        let input_ref = input_ref.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() != "Enter" {
                return;
            }
            let Some(input) = input_ref.cast::<HtmlInputElement>() else { return };
            let line = input.value();
            input.set_value("");
            let result = shell.borrow_mut().run_line(&line);
            let mut next = (*entries).clone();
            if result.clear {
                next.clear();
            } else {
                let chunks = result
                    .output
                    .chunks
                    .iter()
                    .map(|(stream, text)| (*stream == kubectl::Stream::Stderr, text.clone()))
                    .collect();
                next.push(Entry { line, chunks });
            }
            entries.set(next);
            clock.set(clock_text(&shell));
        })
    };

    {
        // Keep the newest output in view.
        let entries_len = entries.len();
        use_effect_with(entries_len, move |_| {
            if let Some(el) = gloo::utils::document().query_selector("[data-testid=terminal-output]").ok().flatten() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }

    html! {
        <div class="app">
            <header>
                <h1>{ "kubeplay" }</h1>
                <span>{ "Kubernetes v1.37 in a browser tab" }</span>
                <span class="clock" data-testid="clock">{ (*clock).clone() }</span>
            </header>
            <div class="terminal" data-testid="terminal">
                <div class="terminal-output" data-testid="terminal-output">
                    { for entries.iter().map(render_entry) }
                </div>
                <div class="prompt">
                    <span>{ "$" }</span>
                    <input ref={input_ref} data-testid="terminal-input" type="text" autofocus=true
                        spellcheck="false" autocomplete="off" {onkeydown} />
                </div>
            </div>
        </div>
    }
}

fn render_entry(entry: &Entry) -> Html {
    html! {
        <div class="terminal-entry" data-testid="terminal-entry">
            <div class="cmd">{ format!("$ {}", entry.line) }</div>
            { for entry.chunks.iter().map(|(is_err, text)| html! {
                <span class={ if *is_err { "stderr" } else { "stdout" } }>{ text.clone() }</span>
            }) }
        </div>
    }
}

fn clock_text(shell: &Rc<RefCell<Shell>>) -> String {
    let secs = shell.borrow().cluster().now().unix_secs();
    apimachinery::time::format_rfc3339(secs)
}

fn main() {
    console_error_panic_hook::set_once();
    yew::Renderer::<App>::new().render();
}
