"""Guidance on the pages: the first page's introduction with its "start here" buttons (hoviz.views.guide, from the
sidecars), the one-click model switch where a page has nothing to show for the current model, and the note on
pages whose content does not follow the sidebar's model and prompt.

    guide.intro(); guide.switch_to(zoo.models_with("simplicial2"), "has a 2-simplicial layer")
"""

from __future__ import annotations

import streamlit as st

from hoviz.views.guide import start_here
from pages.glue import frame
from pages.glue.page_table import PAGE_FILES
from pages.glue.zoo import zoo

INTRO = ("**hoviz** shows what higher-order attention computes: 2-simplicial heads that attend to *pairs* of keys, "
         "how far each head is from a pairwise one, whether a mask leaks the future, and the complexes some layers "
         "build. Pick a model and a prompt in the sidebar; every page and every link keeps them. Start here:")


def _open(page: str, model: str) -> None:
    frame.switch_model(model)
    if page == "expressivity":  # that page picks its 2-simplicial Match3 model itself
        st.session_state["m3model"] = model


def intro(where=None) -> None:
    """A few lines and up to three "start here" buttons; each switches the model and opens its page."""
    where = where or st
    picks = start_here(zoo().values())
    where.markdown(INTRO if picks else INTRO.removesuffix(" Start here:"))
    for col, s in zip(where.columns(max(1, len(picks))), picks):
        if col.button(s.label, key=f"start-{s.page}", help=s.why, on_click=_open, args=(s.page, s.model),
                      icon=":material/arrow_forward:", width="stretch"):
            st.switch_page(PAGE_FILES[s.page])


def switch_to(names: list[str], why: str, where=None) -> None:
    """Buttons that switch the sidebar's model to one of `names` (the featured one first), which `why`."""
    entries = zoo()
    names = sorted(names, key=lambda n: not (n in entries and entries[n].featured))
    where = where or st
    for name in names[:3]:
        where.button(f"Switch to {name}", key=f"switch-{name}", on_click=frame.switch_model, args=(name,),
                     help=f"{name} {why}", icon=":material/swap_horiz:")


def ignores_sidebar(what: str) -> None:
    """Say that this page does not read the sidebar's model and prompt (so they do nothing here)."""
    st.sidebar.caption(f":material/info: This page ignores the model and prompt above: {what}")
