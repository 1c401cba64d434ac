"""URL state: every widget is made through a `url_*` wrapper whose key is its URL parameter. The URL seeds it once
per session (invalid values are reported in the page and replaced by defaults) and its value is written back on
every run; `finish_run` drops parameters no widget used, so a link says exactly what is on screen.

    i = url_state.url_slider("Query position i", "i", 0, T - 1, T // 2)
"""

from __future__ import annotations

import streamlit as st

_URL, _STATE, _BOUND, _NOTICES = "_hv_url", "_hv_state", "_hv_bound", "_hv_notices"  # this module's own keys

def start_run() -> None:
    """Call once at the top of every run (app.py): snapshot the URL once per session, open the notices box."""
    ss = st.session_state
    if _URL not in ss:
        ss[_URL] = {k: st.query_params.get_all(k) for k in st.query_params}
    ss.setdefault(_STATE, {})
    ss[_BOUND] = set()
    ss[_NOTICES] = st.container()


def finish_run() -> None:
    """Drop URL parameters no widget of this page used, so the URL says exactly what is on screen."""
    bound = st.session_state.get(_BOUND, set())
    for k in [k for k in st.query_params if k not in bound]:
        del st.query_params[k]


def notice(message: str) -> None:
    """A warning at the top of the page (URL problems and other things the user should know first)."""
    box = st.session_state.get(_NOTICES)
    (box if box is not None else st).warning(message, icon=":material/warning:")


def _seed(key: str, default, parse, check):
    """The value a widget starts this run with: its live value, else the session's last, else the URL's, else
    the default. A live/remembered value that no longer fits (other model, shorter prompt) is repaired quietly;
    a URL value that does not parse or fit is reported and ignored."""
    ss = st.session_state
    for source in (ss, ss[_STATE]):
        if key in source:
            value = source[key]
            if check(value) is None:
                return value
            return default
    raw = ss[_URL].get(key)
    if raw is None:
        return default
    try:
        value = parse(raw)
        reason = check(value)
    except (ValueError, TypeError) as e:
        reason = str(e) or "cannot be read"
    if reason is None:
        return value
    shown = raw[0] if len(raw) == 1 else raw
    notice(f"Ignored URL parameter `{key}={shown!r}`: {reason}. Using the default {default!r} instead.")
    return default


def _bind(key: str, value, encode=str) -> None:
    ss = st.session_state
    ss[_STATE][key] = value
    ss[_BOUND].add(key)
    enc = [encode(v) for v in value] if isinstance(value, list | tuple) else [encode(value)]
    if st.query_params.get_all(key) != enc:
        if enc:
            st.query_params[key] = enc if len(enc) > 1 else enc[0]
        elif key in st.query_params:
            del st.query_params[key]


def _pick(raw: list[str], options: list):
    by_str = {str(o): o for o in options}
    if raw[-1] not in by_str:
        raise ValueError(f"not one of the choices ({', '.join(map(str, options[:8]))}{', ...' if len(options) > 8 else ''})")
    return by_str[raw[-1]]


def _number(kind):
    """A URL parser for one int or float, with a readable error."""
    def parse(raw):
        try:
            return kind(raw[-1])
        except ValueError:
            raise ValueError(f"not {'an integer' if kind is int else 'a number'}") from None
    return parse


def url_selectbox(label: str, options, key: str, default=None, *, where=None, radio: bool = False, **kwargs):
    """st.selectbox (or st.radio) bound to URL parameter `key`; options are compared by str()."""
    options = list(options)
    default = options[0] if default is None and options else default
    ss = st.session_state
    ss[key] = _seed(key, default, lambda raw: _pick(raw, options),
                    lambda v: None if v in options else "not available")
    widget = (where or st).radio if radio else (where or st).selectbox
    value = widget(label, options, key=key, **kwargs)
    _bind(key, value)
    return value


def url_multiselect(label: str, options, key: str, default=(), *, where=None, max_selections: int | None = None,
                    **kwargs) -> list:
    """st.multiselect bound to URL parameter `key` (repeated in the URL, one entry per choice)."""
    options = list(options)

    def parse(raw):
        picked = [_pick([r], options) for r in raw if r != ""]
        if max_selections and len(picked) > max_selections:
            raise ValueError(f"at most {max_selections} choices")
        return picked

    def check(v):
        return None if all(x in options for x in v) and (not max_selections or len(v) <= max_selections) \
            else "not available"

    st.session_state[key] = _seed(key, list(default), parse, check)
    value = (where or st).multiselect(label, options, key=key, max_selections=max_selections, **kwargs)
    _bind(key, list(value))
    return value


def url_slider(label: str, key: str, min_value, max_value, default, *, where=None, step=None, **kwargs):
    """st.slider over [min_value, max_value] bound to URL parameter `key`; int or float after `default`'s type.
    A remembered value out of range (shorter prompt, other model) is clamped; a URL one is reported."""
    kind = float if isinstance(default, float) else int
    ss = st.session_state
    if min_value >= max_value:  # a slider needs a range: show the single value instead
        (where or st).caption(f"{label}: {min_value}")
        _bind(key, min_value)
        return min_value
    for source in (ss, ss[_STATE]):  # quietly clamp what the user chose for another prompt or model
        if key in source and isinstance(source[key], int | float):
            source[key] = kind(min(max(source[key], min_value), max_value))

    def check(v):
        return None if min_value <= v <= max_value else f"out of range [{min_value}, {max_value}]"

    ss[key] = _seed(key, kind(default), _number(kind), check)
    value = (where or st).slider(label, kind(min_value), kind(max_value), key=key, step=step, **kwargs)
    _bind(key, value, (lambda v: f"{v:g}") if kind is float else str)
    return value


def url_number(label: str, key: str, min_value: int, max_value: int, default: int, *, where=None, **kwargs) -> int:
    """st.number_input for an integer (a seed, a count) bound to URL parameter `key`."""
    st.session_state[key] = _seed(key, default, _number(int),
                                  lambda v: None if min_value <= v <= max_value else
                                  f"out of range [{min_value}, {max_value}]")
    value = (where or st).number_input(label, min_value, max_value, key=key, step=1, **kwargs)
    _bind(key, int(value))
    return int(value)


def url_text_area(label: str, key: str, default: str, *, where=None, max_chars: int = 4000, **kwargs) -> str:
    """st.text_area bound to URL parameter `key`."""
    st.session_state[key] = _seed(key, default, lambda raw: raw[-1],
                                  lambda v: None if len(v) <= max_chars else f"longer than {max_chars} characters")
    value = (where or st).text_area(label, key=key, max_chars=max_chars, **kwargs)
    _bind(key, value)
    return value


def url_toggle(label: str, key: str, default: bool = False, *, where=None, **kwargs) -> bool:
    """st.toggle bound to URL parameter `key` ("1" / "0")."""
    def parse(raw):
        if raw[-1].lower() not in ("1", "0", "true", "false"):
            raise ValueError("expected 1 or 0")
        return raw[-1].lower() in ("1", "true")

    st.session_state[key] = _seed(key, default, parse, lambda v: None if isinstance(v, bool) else "not a boolean")
    value = (where or st).toggle(label, key=key, **kwargs)
    _bind(key, value, lambda v: "1" if v else "0")
    return value


def select(values: dict) -> None:
    """Set widgets `values` ({url_key: value}) from outside the widgets (a click on a figure). Call it from a
    callback, which runs before the rerun draws the widgets: each widget then starts from its new value, which it
    writes to the URL (a value that does not fit is repaired by the widget as a remembered one would be)."""
    ss = st.session_state
    for key, value in values.items():
        ss[key] = value
        ss.setdefault(_STATE, {})[key] = value


def current(key: str, default=None):
    """The value widget `key` has in this run (e.g. the sidebar's "prompt"), or `default` before it is drawn."""
    return st.session_state.get(key, default)


def remembered(key: str, default=None):
    """The value widget `key` had at the end of the previous run of this session (its value in the URL)."""
    return st.session_state.get(_STATE, {}).get(key, default)


def forget(key: str) -> None:
    """Drop what widget `key` remembers (its live value, the session's last and the URL's), so its next draw starts
    from its default: a choice that belonged to another selection (e.g. a key picked for another query)."""
    ss = st.session_state
    ss.pop(key, None)
    ss.get(_STATE, {}).pop(key, None)
    ss.get(_URL, {}).pop(key, None)
