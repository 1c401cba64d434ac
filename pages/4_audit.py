"""Causality audit: does any output at position <= t depend on a token after t? Runs hoviz.audit live on the chosen
model (cached per model): the suffix-perturbation test per cut t, the influence map ∂ logit_t / ∂ x_s with the
future half marked, and a verdict: red for a leak, green otherwise (docs/theory.md §2.3, the leak).
"""

import streamlit as st

from hoviz.views import cost as views_cost
from hoviz.viz.audit import influence_figure, suffix_figure, verdict
from hoviz.zoo import exhibit_text
from pages.glue import cost, exports, frame, url_state, zoo

frame.ensure_frame()

st.header("Causality audit")
lm = zoo.require_model()
lengths = sorted({t for t in (8, 16, 32, 64, 128) if t <= lm.block_size} | {min(lm.block_size, 8)})
c1, c2 = st.columns(2)
T = url_state.url_selectbox("Sequence length T", lengths, "audit_T", 32 if 32 in lengths else lengths[-1], where=c1,
                         help="random sequences of this length; the audit runs T rows at once (one per cut t)")
n_samples = url_state.url_slider("Random sequences", "samples", 1, 4, 1, where=c2)

report = cost.peek_audit(lm.ref, T, n_samples)
if report is None:  # not paid for yet on this server: say what it costs first
    est = views_cost.audit_cost(lm.model, T, n_samples, cost.audit_timing(lm.ref, T))
    if not cost.go(est, f"audit-{lm.name}-{T}-{n_samples}"):
        st.info(f"The audit of {lm.name} at T = {T} is expensive: press the button to run it, or pick a shorter T.")
        st.stop()
    report = cost.audit_with_progress(lm.ref, T, n_samples,
                                      f"Auditing {lm.name}: perturbing suffixes and differentiating every output")
ok, text = verdict(report)
(st.success if ok else st.error)(text, icon=":material/check_circle:" if ok else ":material/error:")
if exhibit_text(lm.meta):
    st.caption(f"Exhibit: {exhibit_text(lm.meta)}")

a1, a2 = st.columns(2)
exports.plot(suffix_figure(report.suffix_change, report.future_grad, report.tolerance), f"{lm.name}-audit-suffix",
            where=a1)
exports.plot(influence_figure(report.influence, report.tolerance), f"{lm.name}-audit-influence", where=a2)
a1.caption("Read it: every bar must stay below the tolerance line; one above it is a cut t whose past changed "
           "when only the future did (a leak).")
a2.caption("Read it: row t, column s is how much output t moves with input s; anything right of the diagonal "
           "(s > t) is the future leaking in.")
st.caption("Suffix test: for each cut t, the tokens after t are re-drawn at random and the largest change of any "
           "logit at positions <= t is recorded. Gradient test: the norm of ∂ (r · logit_t) / ∂ embedding_s for "
           "every s, with a random readout r; the dashed triangle (s > t) must be empty for a causal model.")

with st.expander("Audit every installed model"):
    if url_state.url_toggle("Run on all models", "audit_all", False):
        todo = {}  # name -> (model, T) of the audits not paid for yet
        for name in zoo.zoo():
            with zoo.boundary(f"Checkpoint {name} failed to load"):
                other = zoo.load_model(name)
                t = min(T, other.block_size)
                if cost.peek_audit(other.ref, t, n_samples) is None:
                    todo[name] = (other, t)
        ests = [views_cost.audit_cost(o.model, t, n_samples, cost.audit_timing(o.ref, t)) for o, t in todo.values()]
        what = f"auditing {len(ests)} more model(s), each scaled by its own timing (the slowest one's shown)"
        if not ests or cost.go(views_cost.total(ests, what), f"audit-all-{T}-{n_samples}-{'-'.join(todo)}"):
            for name in zoo.zoo():
                with zoo.boundary(f"Checkpoint {name} failed to load"):
                    other = zoo.load_model(name)
                    t = min(T, other.block_size)
                    good, line = verdict(cost.audit_with_progress(other.ref, t, n_samples, f"Auditing {name}"))
                    (st.success if good else st.error)(f"**{name}**: {line}")

d1, d2 = st.columns(2)
fields = {"suffix_change": report.suffix_change, "future_grad": report.future_grad, "influence": report.influence}
exports.download_npz("Download the audit (NPZ)", fields, f"{lm.name}-audit-T{T}.npz", key="dl-npz", where=d1)
exports.download_json("Download the audit (JSON)",
                     {"model": lm.name, "T": report.T, "causal": ok, "verdict": text, "worst": report.worst,
                      "first_leak": report.first_leak, "tolerance": report.tolerance, **fields},
                     f"{lm.name}-audit-T{T}.json", key="dl-json", where=d2)
