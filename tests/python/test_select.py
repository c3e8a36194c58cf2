"""attune.Policy / attune.Selector: propensities, determinism, errors, state, merge, and
agreement with the C ABI (ctypes on libattune) and the CLI on fixed-seed runs."""
import ctypes
import glob
import json
import os
import subprocess

import numpy as np
import pytest

import attune

SRC = os.environ.get("ATTUNE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("ATTUNE_BINARY_DIR", os.path.join(SRC, "build"))
CATALOG = os.path.join(SRC, "examples", "catalogs", "seed_catalog.json")


def world(n, d, seed):
    r = np.random.default_rng(seed)
    X = r.uniform(size=(n, d))
    W = r.normal(size=(d, 4))
    return X, W


def run(policy, X, W, seed=0):
    r = np.random.default_rng(seed)
    out = []
    for x in X:
        v, p = policy.choose(x)
        mu = 1 / (1 + np.exp(-(x @ W[:, v] - 1)))
        policy.learn(x, v, float(r.uniform() < mu), p)
        out.append((v, p))
    return out


@pytest.mark.parametrize("kind", ["linear_thompson", "lin_ucb", "epsilon_greedy", "uniform"])
def test_propensities_and_determinism(kind):
    X, W = world(400, 5, 1)
    a = attune.Policy(5, 4, kind=kind, seed=3)
    b = attune.Policy(5, 4, kind=kind, seed=3)
    assert run(a, X, W) == run(b, X, W)
    assert a.save() == b.save()
    for x in X[:50]:
        pr = a.probabilities(x, allowed=[3, 0, 2])
        assert pr.shape == (3,)
        assert np.all(pr >= 0) and np.all(pr <= 1)
        assert abs(pr.sum() - 1) < (0.01 if kind == "linear_thompson" else 1e-12)
        v, p = a.choose(x, allowed=[3, 0, 2])
        assert v in (3, 0, 2) and 0 < p <= 1


def test_bad_input_raises_value_error_and_changes_nothing():
    X, W = world(100, 3, 2)
    p = attune.Policy(3, 3, seed=1)
    run(p, X, W)
    before = p.save()
    with pytest.raises(ValueError):
        p.learn(X[0], 0, float("nan"), 0.5)
    with pytest.raises(ValueError):
        p.learn(X[0], 5, 1.0, 0.5)
    with pytest.raises(ValueError):
        p.learn(X[0], 0, 1.0, 0.0)
    with pytest.raises(ValueError):
        p.choose(X[0][:2])
    with pytest.raises(ValueError):
        p.choose(X[0], allowed=[])
    with pytest.raises(ValueError):
        p.partial_fit(X[:3], [0, 1, 9], [1, 0, 1], [0.5, 0.5, 0.5])
    assert p.save() == before
    with pytest.raises(attune.AttuneError):
        attune.Policy.load(before[:-2])


def test_save_load_and_merge():
    X, W = world(900, 4, 3)
    base = attune.Policy(4, 4, seed=2)
    run(base, X[:300], W)
    rows = np.arange(300, 900)
    acts = rows % 4
    r = (np.random.default_rng(5).uniform(size=600) < 0.3).astype(float)
    props = np.full(600, 0.25)
    r1 = attune.Policy.load(base.save(), seed=9)
    r2 = attune.Policy.load(base.save(), seed=9)
    single = attune.Policy.load(base.save(), seed=9)
    r1.partial_fit(X[rows[:300]], acts[:300], r[:300], props[:300])
    r2.partial_fit(X[rows[300:]], acts[300:], r[300:], props[300:])
    single.partial_fit(X[rows], acts, r, props)
    r1.merge(r2, base)
    assert r1.updates_ == single.updates_
    for x in X[:100]:
        np.testing.assert_allclose(r1.expected_rewards(x), single.expected_rewards(x), atol=1e-9)
    loaded = attune.Policy.load(single.save(), seed=4)
    again = attune.Policy.load(single.save(), seed=4)
    assert [loaded.choose(x) for x in X[:200]] == [again.choose(x) for x in X[:200]]


def test_selector_rewards_and_errors():
    s = attune.Selector(CATALOG, seed=1, pending_ttl_s=60)
    d = s.decide("product_cta", states={"anxiety": 0.9}, intents={"purchase": 0.2},
                 features={"is_mobile": 1}, allowed=["explore_options", "free_returns"], now=0)
    assert d.variant_id in ("explore_options", "free_returns")
    assert 0 < d.propensity <= 1
    assert np.isnan(d.scores[0])
    before = s.save()
    with pytest.raises(ValueError):
        s.reward(d.id + 1, 1.0, now=1)
    with pytest.raises(ValueError):
        s.reward(d, float("nan"), now=1)
    with pytest.raises(ValueError):
        s.reward(d, 2.0, now=1)
    with pytest.raises(ValueError):
        s.decide("product_cta", states={"joy": 1.0}, now=0)
    with pytest.raises(ValueError):
        s.decide("product_cta", allowed=["nope"], now=0)
    assert s.save() == before
    s.reward(d.id_str, 1.0, now=1)
    with pytest.raises(ValueError):
        s.reward(d, 1.0, now=2)
    late = s.decide("price_display", now=10)
    with pytest.raises(ValueError):
        s.reward(late, 1.0, now=100)  # expired
    assert s.expire(now=100) >= 1


def test_python_matches_cli_on_a_fixed_seed_run():
    exe = os.path.join(BIN, "bin", "attune")
    if not os.path.exists(exe):
        pytest.skip("attune CLI not built")
    out = subprocess.run([exe, "select", "simulate", "--world", "synthetic", "--n", "1500", "--variants", "5",
                          "--seed", "4"], check=True, capture_output=True, text=True).stdout
    cli = json.loads(out)
    py = attune._attune.simulate_synthetic(1500, 5, 4)
    for k in ("avg_reward", "avg_expected_reward", "optimal_avg_reward", "uniform_avg_reward"):
        assert cli[k] == py[k]


class PolicyOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("kind", ctypes.c_int32), ("model", ctypes.c_int32),
                ("regularization", ctypes.c_double), ("exploration", ctypes.c_double),
                ("epsilon_decay", ctypes.c_double), ("epsilon_min", ctypes.c_double),
                ("forgetting", ctypes.c_double), ("refactor_every", ctypes.c_uint32),
                ("importance_weighting", ctypes.c_int32), ("max_importance_weight", ctypes.c_double),
                ("min_propensity", ctypes.c_double), ("seed", ctypes.c_uint64)]


class Choice(ctypes.Structure):
    _fields_ = [("variant", ctypes.c_uint32), ("propensity", ctypes.c_double)]


def test_python_matches_c_abi_on_a_fixed_seed_run():
    libs = glob.glob(os.path.join(BIN, "lib", "libattune.so*"))
    if not libs:
        pytest.skip("libattune not built")
    lib = ctypes.CDLL(sorted(libs, key=len)[0])
    opts = PolicyOptions()
    lib.attune_policy_options_init(ctypes.byref(opts))
    opts.seed = 6
    handle = ctypes.c_void_p()
    assert lib.attune_policy_create(ctypes.byref(opts), ctypes.c_size_t(4), ctypes.c_size_t(3), None,
                                    ctypes.c_size_t(0), ctypes.byref(handle)) == 0
    py = attune.Policy(4, 3, seed=6)
    X, W = world(300, 4, 7)
    r = np.random.default_rng(1)
    dbl4 = ctypes.c_double * 4
    for x in X:
        cx = dbl4(*x)
        ch = Choice()
        assert lib.attune_policy_choose(handle, cx, ctypes.c_size_t(4), None, ctypes.c_size_t(0),
                                        ctypes.byref(ch)) == 0
        v, p = py.choose(x)
        assert (ch.variant, ch.propensity) == (v, p)
        rew = float(r.uniform() < 0.2 + 0.2 * v)
        py.learn(x, v, rew, p)
        assert lib.attune_policy_learn(handle, cx, ctypes.c_size_t(4), ctypes.c_uint32(v), ctypes.c_double(rew),
                                       ctypes.c_double(p)) == 0
    lib.attune_policy_free(handle)
