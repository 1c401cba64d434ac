"""The 3-way page's "Other orientations" key follows the query: it opens on query i's heaviest key (the library's
default_key of the S slice on screen), a key from the URL or the slider is kept while i stays, and moving i picks
the new query's heaviest key. Headless (AppTest) on the tiny zoo.
    .venv/bin/python -m pytest -q tests/test_app_threeway_key.py
"""

from __future__ import annotations

import hoviz
from hoviz import views
from hoviz.views import threeway
from pages.glue.page_table import PAGE_FILES
from tests.streamlit_harness import open_link

SHORT = "ROMEO:\nBut soft, what light"


def heaviest(at, tiny_zoo, axis: str) -> int:
    """The library's default key for the query, head and layer on screen, from that query's own S slice."""
    ckpt = hoviz.load_checkpoint(tiny_zoo.path / "tiny-simplicial2")
    _, tr = views.trace_prompt(ckpt.model, tuple(ckpt.tokenizer.encode(SHORT)))
    S, _, _ = threeway.query_slice(tr, 1, at.selectbox(key="head").value, at.slider(key="i").value)
    return threeway.default_key(S, axis)


def test_the_fixed_key_follows_the_query_unless_picked_for_it(tiny_zoo):
    at = open_link(PAGE_FILES["threeway"], {"model": "tiny-simplicial2", "i": "6", "layer": "1"}, SHORT)
    assert not at.exception, [e.value for e in at.exception]
    first = at.slider(key="key").value
    assert first == heaviest(at, tiny_zoo, "j")
    keys = {6: first}
    for i in (12, 20):
        at.slider(key="i").set_value(i).run()
        keys[i] = at.slider(key="key").value
        assert keys[i] == heaviest(at, tiny_zoo, "j") and at.query_params["key"] == str(keys[i])
    assert len(set(keys.values())) > 1, keys  # it moved with the query
    picked = (keys[20] + 1) % 21
    at.slider(key="key").set_value(picked).run()
    at.slider(key="triples").set_value(3).run()
    assert at.slider(key="key").value == picked  # chosen for this i: kept
    at.radio(key="axis").set_value("l").run()
    assert at.slider(key="key").value == heaviest(at, tiny_zoo, "l")  # another orientation: its own heaviest key
    at = open_link(PAGE_FILES["threeway"], {"model": "tiny-simplicial2", "i": "6", "layer": "1", "key": "2"}, SHORT)
    assert at.slider(key="key").value == 2  # a link's key is kept for its i
