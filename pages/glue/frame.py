"""The frame around every page: page config, the one page table, navigation, the shared sidebar (model, prompt,
figure format). `app.py` calls `frame()`. `ensure_frame()` (first line of every page) exists only because
Streamlit runs a file in a folder named `pages/` directly in its legacy multipage mode (a fresh server's first
request, AppTest): then it draws the frame itself; under app.py it does nothing.
"""

from __future__ import annotations

import threading

import streamlit as st

from pages.glue import url_state
from pages.glue.page_table import IGNORES_SIDEBAR, PAGES
from pages.glue.zoo import default_name, default_prompt, run_token, zoo

_local = threading.local()


def _draw_frame():
    st.set_page_config(page_title="hoviz", page_icon="△", layout="wide")
    page = st.navigation([st.Page(path, title=title, icon=icon, url_path=url, default=not n)
                          for n, (path, title, icon, url) in enumerate(PAGES)])
    _local.token = run_token()
    url_state.start_run()
    sidebar(live=getattr(page, "url_path", "") not in IGNORES_SIDEBAR)
    return page


def frame() -> None:
    """app.py: page config, navigation, the shared sidebar, then the chosen page."""
    page = _draw_frame()
    page.run()
    url_state.finish_run()


def ensure_frame() -> None:
    """First line of every page. A no-op under app.py; when Streamlit runs a page file directly (its legacy
    `pages/` folder mode, used on a fresh server's first request and by AppTest), draws the frame here."""
    token = run_token()
    if token is None or getattr(_local, "token", None) is not token:
        _draw_frame()


def _on_model_change() -> None:
    """When the model changes, swap in its default prompt if the old default was showing or the text is unreadable."""
    entries = zoo()
    new, old = entries.get(url_state.current("model")), entries.get(url_state.remembered("model"))
    text = url_state.current("prompt", "")
    if new is None or new.tokenizer is None:
        return
    if text == default_prompt(old) or not text.strip() or new.tokenizer.unknown(text):
        st.session_state["prompt"] = default_prompt(new)


def switch_model(name: str) -> None:
    """Make `name` the sidebar's model (a button's on_click: before the sidebar is drawn), as if picked there."""
    st.session_state["model"] = name
    _on_model_change()


def sidebar(live: bool = True) -> None:
    """The frame's sidebar: model picker (opens on the featured model), prompt box, figure-export format. With
    `live` False (a page that does not read them) the model and prompt are shown disabled."""
    entries = zoo()
    with st.sidebar:
        if entries:
            name = url_state.url_selectbox("Model", list(entries), "model", default_name(),
                                           format_func=lambda n: entries[n].label(), on_change=_on_model_change,
                                           help="mixer kinds per model and its headline metric", disabled=not live)
            url_state.url_text_area("Prompt", "prompt", default_prompt(entries[name]), height=130,
                                    help="what the model reads; longer prompts keep their last block-size tokens",
                                    disabled=not live)
        else:
            st.caption("No checkpoints installed.")
        url_state.url_selectbox("Figure downloads (modebar camera)", ["png", "svg"], "img", radio=True,
                                horizontal=True)
