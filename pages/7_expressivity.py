"""Expressivity lab: graph pairs that 1-WL colour refinement (and so attention read as a GAT) cannot tell apart while
their clique complexes' Betti numbers differ (RESEARCH.md §5); and Match3 (Sanford et al. 2023): a sequence's true
labels, the installed Match3 models' predictions, and a 2-simplicial slice S[i, j, l] lighting up the matching pair.
"""

import numpy as np
import streamlit as st
import torch

from hoviz.errors import HovizError, TaskError
from hoviz.tasks import TaskSpec, balanced_accuracy, labels, predict_labels
from hoviz.topology import (
    clique_complex_betti,
    hexagon,
    rook_graph,
    shrikhande_graph,
    two_triangles,
    wl_colours,
    wl_indistinguishable,
)
from hoviz.viz.expressivity import (
    match3_labels_figure,
    match3_slice_figure,
    matching_pairs,
    pair_summary,
    wl_pair_figure,
)
from pages import common

common.ensure_frame()
PAIRS = {"k3c6": ("2×K3", two_triangles, "C6", hexagon),
         "rook": ("Rook 4×4", rook_graph, "Shrikhande", shrikhande_graph)}
PAIR_NOTES = {"k3c6": "Both are 2-regular with 6 nodes and 6 edges: every node sees two neighbours of its own colour "
                      "forever. The clique complex fills the two triangles: two components and no loop, against "
                      "one component with one loop.",
              "rook": "Both are strongly regular SRG(16, 6, 2, 2) with 32 triangles each, so even 3-WL fails. Filling "
                      "the triangles (a rank-2 clique complex) leaves the rook graph's eight K4s as hollow spheres "
                      "(β2 = 8) and turns Shrikhande into a torus (β = 1, 2, 1)."}


@st.cache_data(show_spinner=False, max_entries=8)
def wl_pair(pair: str) -> dict:
    """Both graphs, their 1-WL colours refined to stability with the same number of rounds, and clique-complex Betti."""
    n1, f1, n2, f2 = PAIRS[pair]
    g1, g2 = f1(), f2()
    rounds = max(len(wl_colours(g1)), len(wl_colours(g2))) - 1
    c1, c2 = wl_colours(g1, max(rounds, 1))[-1], wl_colours(g2, max(rounds, 1))[-1]
    return {"names": (n1, n2), "graphs": (g1, g2), "colours": (c1, c2), "rounds": rounds,
            "betti": (clique_complex_betti(g1), clique_complex_betti(g2)), "same": wl_indistinguishable(g1, g2)}


FIGURES = {"labels": match3_labels_figure, "slice": match3_slice_figure}


@st.cache_data(show_spinner=False, max_entries=16)
def wl_figure(pair: str, layout: str):
    """The pair drawn side by side, coloured by WL colour, Betti numbers in the titles."""
    wl = wl_pair(pair)
    return wl_pair_figure(*wl["graphs"], *wl["colours"], names=wl["names"], betti1=wl["betti"][0],
                          betti2=wl["betti"][1], layout=layout)


@st.cache_data(show_spinner=False, max_entries=128)
def figure(builder: str, *args, **kwargs):
    """A figure built once per input (building costs tens of ms; unpickling the cached one a few)."""
    return FIGURES[builder](*args, **kwargs)


@st.cache_data(show_spinner=False, max_entries=32)
def held_out_accuracy(key: str, name: str, spec: TaskSpec, seed: int = 1234, n: int = 512) -> float:
    """Balanced accuracy of a Match model on n fresh sequences (a check beside the sidecar's number)."""
    x, y = spec.sample(n, torch.Generator().manual_seed(seed))
    with torch.no_grad():
        logits = common.load_model(name).model(x)
    return balanced_accuracy(predict_labels(logits, spec), y)


def parse_sequence(text: str, spec: TaskSpec) -> list[int]:
    """Residues from space/comma-separated text; TaskError naming what is wrong."""
    words = text.replace(",", " ").split()
    if not words:
        raise TaskError("the sequence is empty: type residues separated by spaces")
    bad = [w for w in words if not w.lstrip("-").isdigit()]
    if bad:
        raise TaskError(f"not integers: {bad[:5]}; type residues 0..{spec.M - 1} separated by spaces")
    x = [int(w) for w in words]
    out = [v for v in x if not 0 <= v < spec.M]
    if out:
        raise TaskError(f"residues must lie in 0..{spec.M - 1}; got {out[:5]}")
    if len(x) > spec.N:
        raise TaskError(f"at most N = {spec.N} residues (the models' sequence length); got {len(x)}")
    return x


st.header("Expressivity lab")

# ---------------------------------------------------------------- WL pairs
st.subheader("What 1-WL cannot see, and a clique complex can")
p1, p2 = st.columns([2, 1])
pair = common.url_selectbox("Graph pair", list(PAIRS), "pair", where=p1,
                            format_func=lambda k: f"{PAIRS[k][0]} vs {PAIRS[k][2]}")
wl_layout = common.url_selectbox("Layout", ["circular", "spring", "grid"], "wl_layout", where=p2,
                                 help="grid: the 4×4 pairs' (row, col) cells; circular: nodes in order")
with common.boundary("Cannot build the graph pair"):
    wl = wl_pair(pair)
    g1, g2 = wl["graphs"]
    common.plot(wl_figure(pair, wl_layout), f"wl-{pair}")
    summary = pair_summary(g1, g2)
    st.dataframe([{"graph": name, **inv, "WL colour classes": len(set(c.values())), "clique-complex Betti": str(b)}
                  for name, inv, c, b in zip(wl["names"], summary.values(), wl["colours"], wl["betti"])],
                 hide_index=True)
    st.caption(f"1-WL after {wl['rounds']} round(s): {'indistinguishable' if wl['same'] else 'distinguished'}. "
               + PAIR_NOTES[pair])
    common.download_json("Download the pair (JSON)",
                         {"pair": wl["names"], "betti": wl["betti"], "wl_indistinguishable": wl["same"],
                          "graphs": [{"nodes": [str(v) for v in g.nodes], "edges": [[str(u), str(v)] for u, v in g.edges],
                                      "wl_colours": {str(v): c for v, c in col.items()}}
                                     for g, col in zip(wl["graphs"], wl["colours"])]},
                         f"wl-{pair}.json", key="dl-wl")

# ---------------------------------------------------------------- Match3
st.subheader("Match3: y_i = 1 iff x_i + x_j + x_l ≡ 0 (mod M) for some j, l ≤ i")
entries = common.zoo()
specs = {}
for name, e in entries.items():
    if e.task and e.task.get("name") == "match3" and not e.error:
        try:
            specs.setdefault(TaskSpec.from_dict(e.task), []).append(name)
        except HovizError:
            continue
if not specs:
    st.info("No Match3 models are installed (sidecar task.name == \"match3\"). Train them with `make zoo` or "
            "`python -m hoviz train --preset match3-simplicial2` (and `match3-dense1`) to compare a dense and a "
            "2-simplicial model here.")
    st.stop()
by_key = {f"M{s.M}-N{s.N}": s for s in specs}
task_key = common.url_selectbox("Task", list(by_key), "m3task", format_func=lambda k: f"Match3 {k}: "
                                f"{', '.join(specs[by_key[k]])}") if len(by_key) > 1 else next(iter(by_key))
spec = by_key[task_key]
names = specs[spec]

s1, s2 = st.columns([1, 3])
mode = common.url_selectbox("Sequence", ["random", "typed"], "m3mode", where=s1, radio=True,
                            format_func={"random": "random (seeded)", "typed": "type one"}.get)
if mode == "random":
    seed = common.url_number("Seed", "m3seed", 0, 10**6, 0, where=s2)
    x = spec.sample(1, torch.Generator().manual_seed(seed))[0][0].tolist()
else:
    default = " ".join(map(str, spec.sample(1, torch.Generator().manual_seed(0))[0][0].tolist()))
    text = common.url_text_area(f"Residues 0..{spec.M - 1}, at most {spec.N}, separated by spaces", "m3seq", default,
                                where=s2, max_chars=20 * spec.N, height=70)
    try:
        x = parse_sequence(text, spec)
    except TaskError as e:
        st.error(f"Cannot use this sequence: {e}", icon="✍️")
        st.stop()
y = labels(torch.tensor([x]), "match3", spec.M)[0].numpy()  # (T,)
tokens = [str(v) for v in x]

predictions, loaded = {}, {}
for name in names:
    with common.boundary(f"Checkpoint {name} failed"):
        lm = common.load_model(name)
        ids = tuple(lm.tokenizer.encode(" ".join(tokens)))
        logits, _ = common.trace(lm.key, ids)
        kind = "2-simplicial" if "simplicial2" in lm.kinds else "dense" if set(lm.kinds) == {"dense"} else "/".join(
            dict.fromkeys(lm.kinds))
        label = f"{name} ({kind})"
        predictions[label] = predict_labels(torch.from_numpy(logits)[None], spec)[0].numpy()
        loaded[name] = (lm, ids, label)
common.plot(figure("labels", tokens, y, predictions), "match3-labels")
if loaded:
    st.caption("Balanced accuracy on 512 fresh sequences: " + ", ".join(
        f"{label} {held_out_accuracy(lm.key, name, spec):.3f}" for name, (lm, _, label) in loaded.items())
        + (". Only one Match3 model is installed; train a dense and a 2-simplicial one to compare."
           if len(loaded) == 1 else ""))

s2_names = [n for n, (lm, _, _) in loaded.items() if "simplicial2" in lm.kinds]
slice_data = {}
if not s2_names:
    st.info("No installed Match3 model has a 2-simplicial layer, so there is no slice S[i, j, l] to show.")
else:
    c1, c2, c3, c4 = st.columns(4)
    name = common.url_selectbox("2-simplicial model", s2_names, "m3model", where=c1)
    lm, ids, _ = loaded[name]
    layer = common.url_selectbox("Layer", [i for i, k in enumerate(lm.kinds) if k == "simplicial2"], "m3layer",
                                 where=c2, format_func=lambda i: f"L{i}")
    head = common.url_selectbox("Head", list(range(lm.model.config.n_head)), "m3head", where=c3,
                                format_func=lambda h: f"head {h}")
    positives = np.flatnonzero(y)
    T = len(x)
    i = common.url_slider("Query position i", "m3i", 0, T - 1, int(positives[-1]) if len(positives) else T - 1,
                          where=c4)
    S, _, top = common.query_slice(lm.key, ids, layer, head, i)
    common.plot(figure("slice", S, tokens, np.array(x), i, spec.M), f"match3-slice-{name}-L{layer}-h{head}-i{i}")
    pairs = matching_pairs(x, i, spec.M)
    st.caption(f"Position {i} (x_i = {x[i]}): true label {'yes' if y[i] else 'no'}, {len(pairs)} matching pair(s) "
               "outlined. Top triples: " + ", ".join(f"({j}, {l}) {w:.3f}" for j, l, w in top[:5]))
    slice_data = {"slice": S, "matching_pairs": pairs, "i": i, "layer": layer, "head": head}

d1, d2 = st.columns(2)
common.download_json("Download labels and predictions (JSON)",
                     {"task": spec.to_dict(), "x": x, "labels": y, "predictions": predictions},
                     "match3-labels.json", key="dl-m3", where=d1)
if slice_data:
    common.download_npz("Download the slice (NPZ)", {**slice_data, "x": np.array(x), "labels": y},
                        "match3-slice.npz", key="dl-slice", where=d2)
