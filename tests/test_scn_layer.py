"""The scn layer's view: prefix complexes, Hodge spectra (zeros = Betti numbers, checked against gudhi), per-simplex
filter responses that add up to what token i reads, and the figures built from them."""

import numpy as np
import pytest
import torch

from hoviz.config import GPTConfig
from hoviz.errors import ConfigError, TopologyError
from hoviz.model import GPT
from hoviz.topology import betti_numbers
from hoviz.topology.spectra import hodge_spectra, prefix_complex
from hoviz.views.scn import filter_terms_at, scn_layer_view
from hoviz.viz.hodge import prefix_figure, response_figure, spectrum_figure

HOLLOW = {"num_vertices": 3, "edges": [[0, 1], [0, 2], [1, 2]], "triangles": []}


def test_spectra_count_betti_numbers():
    assert hodge_spectra(HOLLOW).betti == (1, 1, 0)
    assert hodge_spectra({**HOLLOW, "triangles": [[0, 1, 2]]}).betti == (1, 0, 0)
    two = hodge_spectra({"num_vertices": 5, "edges": [[0, 1], [2, 3]], "triangles": []})
    assert two.betti == (3, 0, 0) and two.eigenvalues[1].tolist() == [2.0, 2.0]
    assert hodge_spectra({"num_vertices": 1, "edges": [], "triangles": []}).betti == (1, 0, 0)


def test_prefix_keeps_simplices_born_by_i_and_their_values():
    cx = {"num_vertices": 4, "edges": [[0, 1], [0, 2], [1, 2], [2, 3]], "edge_weights": [.1, .2, .3, .4],
          "triangles": [[0, 1, 2]], "triangle_weights": [.5], "vertex_response": [1, 2, 3, 4]}
    p = prefix_complex(cx, 2)
    assert p["edges"].tolist() == [[0, 1], [0, 2], [1, 2]] and p["edge_weights"].tolist() == [.1, .2, .3]
    assert p["triangles"].tolist() == [[0, 1, 2]] and p["vertex_response"].tolist() == [1, 2, 3]
    assert prefix_complex(cx, 1)["triangles"].shape == (0, 3)
    with pytest.raises(TopologyError, match="outside"):
        prefix_complex(cx, 4)


def tiny_model() -> GPT:
    torch.manual_seed(0)
    cfg = GPTConfig(vocab_size=7, block_size=16, n_layer=2, n_head=2, n_embd=8, mixers=["dense", "scn"],
                    scn_radius=1.0, scn_max_edges=3, scn_max_triangles=2)
    model = GPT(cfg).eval()
    with torch.no_grad():
        for p in (model.blocks[1].mixer.theta0, model.blocks[1].mixer.theta_up):
            p.copy_(torch.randn_like(p))
    return model


def test_terms_add_up_to_what_token_i_reads():
    mixer = tiny_model().blocks[1].mixer.double()
    x = torch.randn(1, 12, 8, dtype=torch.float64)
    for i in (0, 5, 11):
        t = filter_terms_at(mixer, x, i)
        np.testing.assert_allclose(t["vertex"].sum(0), t["Y0"], atol=1e-12)
        np.testing.assert_allclose(t["edge"].sum(0) + t["triangle"].sum(0), t["Z1_sum"], atol=1e-12)
        E = mixer.max_edges
        heads = np.repeat(np.arange(12), E)
        assert not t["edge"][heads > i].any() and not t["vertex"][i + 1:].any()  # nothing born after i is read


def test_view_of_a_prompt():
    model = tiny_model()
    ids = [1, 2, 3, 1, 2, 3, 4, 5, 6, 1, 2]
    view = scn_layer_view(model, ids, layer=1, i=7, top=5)
    p = view.prefix
    assert p["num_vertices"] == 8 and (p["edges"] <= 7).all() and len(p["edge_response"]) == len(p["edges"])
    assert len(p["triangles"]) and len(p["triangle_response"]) == len(p["triangles"])
    assert view.complex["num_vertices"] == len(ids) and len(view.complex["edges"]) >= len(p["edges"])
    assert list(view.spectra.betti) == betti_numbers(p)  # zero eigenvalues against gudhi's homology
    r = [s.response for s in view.top]
    assert len(r) == 5 and r == sorted(r, reverse=True) and r[0] > 0
    assert scn_layer_view(model, ids, layer=1).i == len(ids) - 1
    with pytest.raises(ConfigError, match="not an scn layer"):
        scn_layer_view(model, ids, layer=0)
    with pytest.raises(ConfigError, match="outside"):
        scn_layer_view(model, ids, layer=1, i=len(ids))
    tokens = list("abcabcdefab")
    fig = spectrum_figure(view.spectra)
    assert len(fig.data) == 3 and f"β0 = {view.spectra.betti[0]} zero" in fig.layout.annotations[0].text
    assert len(response_figure(view, tokens).data[0].y) == 5
    assert "K_7" in prefix_figure(view, tokens).layout.title.text
