"""attune.ope: estimators on numpy arrays and DataFrames, agreement with the C++ core, errors."""
import math
import os

import numpy as np
import pytest

import attune
import attune.ope as ope

R = np.array([1.0, 0.0, 1.0, 0.0])
P = np.array([0.5, 0.25, 0.5, 1.0])
T = np.array([1.0, 0.5, 0.25, 0.0])  # weights 2 2 .5 0


def test_hand_computed_values():
    r = ope.ips(R, P, T)
    assert r.estimate == pytest.approx(0.625, abs=1e-15)
    assert r.std_error == pytest.approx(math.sqrt(2.6875 / 3) / 2, abs=1e-15)
    assert r.lower < r.estimate < r.upper
    assert r.ess == pytest.approx(4.5 ** 2 / 8.25)
    assert r.max_weight == 2.0 and r.rows == 4 and r.rows_clipped == 0
    assert ope.snips(R, P, T).estimate == pytest.approx(2.5 / 4.5, abs=1e-15)
    d = ope.dr(R, P, T, q_logged=np.full(4, 0.5), q_target=np.full(4, 0.4))
    assert d.estimate == pytest.approx(1.85 / 4, abs=1e-15)
    assert d.to_dict()["estimator"] == "dr"
    c = ope.ips(R, P, T, clip=1.0)
    assert c.estimate == pytest.approx(0.375) and c.rows_clipped == 2 and c.max_raw_weight == 2.0
    assert ope.ips(R, P, T, clip="auto").clip == pytest.approx(2.25)


def test_dataframe_and_matrix_forms_agree_with_arrays():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(4)
    n, k = 500, 3
    logging = np.array([0.5, 0.3, 0.2])
    a = rng.choice(k, size=n, p=logging)
    r = (rng.random(n) < np.array([0.1, 0.3, 0.2])[a]).astype(float)
    pi = np.tile([0.2, 0.6, 0.2], (n, 1))
    q = np.tile([0.1, 0.3, 0.2], (n, 1))
    df = pd.DataFrame({"reward": r, "propensity": logging[a], "target": pi[np.arange(n), a],
                       "action": a})
    by_df = ope.snips(data=df)
    by_arrays = ope.snips(r, logging[a], pi[np.arange(n), a])
    by_matrix = ope.snips(r, logging[a], pi, action=a)
    assert by_df.estimate == by_arrays.estimate == by_matrix.estimate
    assert by_df.lower == by_matrix.lower
    d_matrix = ope.dr(r, logging[a], pi, action=a, q=q)
    d_rows = ope.dr(r, logging[a], pi[np.arange(n), a], q_logged=q[np.arange(n), a],
                    q_target=(pi * q).sum(axis=1))
    assert d_matrix.estimate == pytest.approx(d_rows.estimate, abs=1e-15)
    # SNIPS is invariant to scaling the weights.
    assert ope.snips(r, logging[a], 0.5 * pi[np.arange(n), a]).estimate == pytest.approx(by_arrays.estimate)


def test_bootstrap_is_reproducible():
    rng = np.random.default_rng(1)
    r = (rng.random(300) < 0.3).astype(float)
    p = np.full(300, 0.5)
    t = rng.random(300)
    a = ope.ips(r, p, t, interval="bootstrap", bootstrap_resamples=200, seed=3)
    b = ope.ips(r, p, t, interval="bootstrap", bootstrap_resamples=200, seed=3)
    assert (a.lower, a.upper) == (b.lower, b.upper)
    assert a.interval == "bootstrap"


def test_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="row 1"):
        ope.ips(R, np.array([0.5, 0.0, 0.5, 1.0]), T)
    with pytest.raises(ValueError):
        ope.ips(np.array([1.0, np.nan, 0, 0]), P, T)
    with pytest.raises(ValueError, match="rows"):
        ope.ips(R, P[:3], T)
    with pytest.raises(ValueError):
        ope.dr(R, P, T)  # no reward model
    with pytest.raises(ValueError):
        ope.ips(R, P, np.tile([0.5, 0.6], (4, 1)), action=[0, 1, 0, 1])  # rows sum to 1.1
    with pytest.raises(ValueError):
        ope.ips(R, P, T, confidence=1.5)
    with pytest.raises(ValueError):
        ope.evaluate("foo", R, P, T)
    # the caller's arrays are untouched
    assert list(P) == [0.5, 0.25, 0.5, 1.0]


def test_open_bandit_reference_numbers():
    root = os.environ.get("ATTUNE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
    data = os.path.join(root, "..", "shared", "data", "open_bandit_dataset")
    if not os.path.isdir(data):
        pytest.skip("../shared/data not found")
    pd = pytest.importorskip("pandas")
    expect = {"men": (34, 0.3009, 0.3189), "women": (46, 0.7438, 0.2373)}
    for campaign, (n_items, ips_pct, snips_pct) in expect.items():
        df = pd.read_csv(os.path.join(data, "bts", campaign, f"{campaign}.csv"),
                         usecols=["click", "propensity_score"])
        df["target"] = 1.0 / n_items
        kw = dict(data=df, reward="click", propensity="propensity_score", target="target")
        assert round(ope.ips(**kw).estimate * 100, 4) == ips_pct
        assert round(ope.snips(**kw).estimate * 100, 4) == snips_pct
