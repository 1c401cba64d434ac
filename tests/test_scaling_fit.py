"""Power-law fits of the scaling family (hoviz.scaling) on synthetic points with a known slope.

    python -m pytest -q tests/test_scaling_fit.py
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from hoviz.errors import ConfigError
from hoviz.scaling import fit_family, fit_power_law, load_points

T_975_1DOF = 12.706  # Student's t, 97.5% quantile, 1 degree of freedom


def test_exact_power_law_recovers_slope_and_intercept():
    x = np.array([1e6, 3e6, 1e7])
    fit = fit_power_law(x, 5.0 * x ** -0.07, kind="dense")
    assert fit.slope == pytest.approx(-0.07, abs=1e-12) and math.exp(fit.intercept) == pytest.approx(5.0)
    assert fit.dof == 1 and fit.slope_se == pytest.approx(0.0, abs=1e-12) and fit.residual_rms < 1e-12
    assert fit.predict([2e6]) == pytest.approx(5.0 * 2e6 ** -0.07)


def test_standard_error_matches_numpy_least_squares_covariance():
    rng = np.random.default_rng(0)
    x = np.array([1e6, 2.5e6, 4e6, 1e7, 3e7])
    y = 4.0 * x ** -0.1 * np.exp(rng.normal(0, 0.02, len(x)))
    fit = fit_power_law(x, y)
    coef, cov = np.polyfit(np.log(x), np.log(y), 1, cov="unscaled")
    resid = np.log(y) - np.polyval(coef, np.log(x))
    s2 = (resid ** 2).sum() / (len(x) - 2)
    assert fit.slope == pytest.approx(coef[0]) and fit.slope_se == pytest.approx(math.sqrt(s2 * cov[0, 0]))


def test_three_point_interval_covers_the_true_slope_95_percent_of_the_time():
    # with one degree of freedom only Student's t (12.7 standard errors), not 1.96, gives 95% coverage
    rng = np.random.default_rng(1)
    x, true = np.array([1e6, 3.3e6, 1.1e7]), -0.08
    hits_t = hits_z = 0
    n = 4000
    for _ in range(n):
        fit = fit_power_law(x, 3.0 * x ** true * np.exp(rng.normal(0, 0.03, 3)))
        hits_t += abs(fit.slope - true) <= T_975_1DOF * fit.slope_se
        hits_z += abs(fit.slope - true) <= 1.96 * fit.slope_se
    assert abs(hits_t / n - 0.95) < 0.015
    assert hits_z / n < 0.8  # the normal interval is far too narrow at 1 dof


def test_two_points_have_no_standard_error_and_bad_points_are_refused():
    fit = fit_power_law([1.0, 10.0], [2.0, 1.0])
    assert fit.dof == 0 and math.isnan(fit.slope_se) and fit.slope == pytest.approx(math.log10(0.5))
    for x, y in (([1.0], [1.0]), ([1.0, -2.0], [1.0, 2.0]), ([1.0, 2.0], [0.0, 1.0]), ([3.0, 3.0], [1.0, 2.0]),
                 ([1.0, 2.0], [1.0])):
        with pytest.raises(ConfigError):
            fit_power_law(x, y)


def _sidecar(folder, name, kind, params, loss):
    rec = {"kind": kind, "size": name, "params": params, "tokens": 1000, "training_flops": 6.0 * params * 1000,
           "val_loss": loss, "tokens_per_s": 1.0, "device_name": "test"}
    (folder / f"{name}.json").write_text(json.dumps({"scaling": rec, "params": params}))


def test_load_points_and_fit_family(tmp_path):
    assert load_points(tmp_path / "missing") == []
    for i, p in enumerate((1e6, 3e6, 1e7)):
        _sidecar(tmp_path, f"d{i}", "dense", int(p), 2.0 * p ** -0.05)
        _sidecar(tmp_path, f"s{i}", "simplicial2", int(p), 2.0 * p ** -0.06)
    (tmp_path / "other.json").write_text(json.dumps({"format": "not a scaling sidecar"}))
    points = load_points(tmp_path)
    assert [p.name for p in points] == ["d0", "d1", "d2", "s0", "s1", "s2"]
    fits = {(f.kind, f.x_name): f for f in fit_family(points)}
    assert set(fits) == {(k, x) for k in ("dense", "simplicial2") for x in ("params", "training_flops")}
    assert fits["dense", "params"].slope == pytest.approx(-0.05, abs=1e-6)
    assert fits["simplicial2", "training_flops"].slope == pytest.approx(-0.06, abs=1e-6)  # FLOPs ∝ params here
    (tmp_path / "bad.json").write_text(json.dumps({"scaling": {"kind": "dense"}}))
    with pytest.raises(ConfigError, match="rerun"):
        load_points(tmp_path)
