"""Batch scoring on a Dask LocalCluster equals single-process scoring, each worker loads the model
once; replicas of a policy merge into the policy that saw every outcome.

Skips cleanly without dask/distributed (Debian python3-dask, python3-distributed) or pandas.
"""

import numpy as np
import pytest

import attune
from attune import distributed as ad

TEXTS = [
    "Thank you so much, my order arrived early!",
    "I've been waiting 40 minutes on hold. This is ridiculous.",
    "Can you tell me how to change my delivery address?",
    "The app keeps crashing when I pay. Really annoying.",
    "I was charged twice and nobody answers my emails. I'm furious.",
    "Wow, what a lovely surprise in the box!",
    "I'm worried my package got lost.",
    "I'm confused, the invoice shows a different price.",
    "Finally got my refund, thanks for your patience.",
    "",  # an empty text is valid input and must score like anywhere else
]


def _table(pd, rows=120):
    return pd.DataFrame({
        "row": np.arange(rows),
        "channel": [("email", "chat", "phone")[i % 3] for i in range(rows)],
        "text": [TEXTS[(7 * i) % len(TEXTS)] + ("" if i % 4 else f" Ticket {i}.") for i in range(rows)],
    })


def test_score_emotions_partition_function():
    pd = pytest.importorskip("pandas")
    df = _table(pd, 12)
    out = ad.score_emotions(df, probabilities=["anger", "joy"])
    assert list(out.columns) == list(df.columns) + ad.emotion_output_columns(["anger", "joy"])
    model = attune.EmotionModel.default()
    probs = model.score_batch(df["text"])
    np.testing.assert_allclose(out["p_anger"], probs[:, attune.EMOTION_LABELS.index("anger")], rtol=0, atol=0)
    for i, text in enumerate(df["text"]):
        s = model.score(text)
        assert out["valence"].iloc[i] == pytest.approx(s["valence"], abs=0)
        assert out["emotions"].iloc[i] == ",".join(s["active"])
    assert out["valence"].between(-1, 1).all() and out["confidence"].between(0, 1).all()
    # Empty partitions (Dask's meta) work without a model and keep the dtypes.
    empty = ad.score_emotions(df.iloc[:0], probabilities=["anger"])
    assert len(empty) == 0 and list(empty.columns) == list(df.columns) + ad.emotion_output_columns(["anger"])
    assert empty["valence"].dtype == np.float64 and empty["active_mask"].dtype == np.int64
    with pytest.raises(ValueError):
        ad.score_emotions(df, text_column="missing")
    with pytest.raises(ValueError):
        ad.score_emotions(df, probabilities=["not-an-emotion"])
    with pytest.raises(ValueError):
        ad.score_emotions(out)  # would silently overwrite the scored columns


def test_model_cache_loads_once_per_process():
    ad.clear_cache()
    first = ad.emotion_model()
    assert ad.emotion_model() is first
    assert ad.cache_info()["loads"] == 1
    with pytest.raises(attune.AttuneError):
        ad.emotion_model("/nonexistent/emotion.attm")
    assert ad.cache_info()["loads"] == 1  # a failed load caches nothing


def test_dask_local_cluster_matches_single_process():
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    pdf = _table(pd)
    expected = ad.score_emotions(pdf, probabilities=["anger", "gratitude"])

    kwargs = dict(probabilities=["anger", "gratitude"])
    ddf = dd.from_pandas(pdf, npartitions=8)
    meta = ad.score_emotions(pdf.iloc[:0], **kwargs)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        scored = ddf.map_partitions(ad.score_emotions, meta=meta, **kwargs)
        got = client.compute(scored).result()
        loads = client.run(lambda: ad.cache_info())
    assert len(loads) == 2
    pids = {info["pid"] for info in loads.values()}
    assert len(pids) == 2  # two worker processes, not this one
    # 8 partitions over 2 workers, yet each worker loaded the model exactly once (or never, if
    # the scheduler gave it no task).
    assert all(info["loads"] <= 1 for info in loads.values())
    assert sum(info["loads"] for info in loads.values()) >= 1
    got = got.sort_index()
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_policy_replicas_merge_into_one():
    """Online learning across app servers: replicas learn apart, merge equals learning together."""
    if not hasattr(attune, "Policy"):
        pytest.skip("attune.Policy (selection component) is not in this build")
    rng = np.random.default_rng(3)
    dim, arms = 4, 3
    base = attune.Policy(dim, arms, kind="lin_ucb", seed=1)
    warm = rng.normal(size=(20, dim))
    base.partial_fit(warm, rng.integers(0, arms, 20), rng.random(20), np.full(20, 1 / arms))
    replicas = [attune.Policy.load(base.save()) for _ in range(3)]
    together = attune.Policy.load(base.save())
    for replica in replicas:
        X = rng.normal(size=(30, dim))
        a = rng.integers(0, arms, 30)
        r = (X[:, 0] * (a == 1) + rng.normal(scale=0.1, size=30) > 0).astype(float)
        p = np.full(30, 1 / arms)
        replica.partial_fit(X, a, r, p)
        together.partial_fit(X, a, r, p)
    before = base.save()
    merged = ad.merge_policies(base, [replicas[0], replicas[1].save(), replicas[2]])
    assert base.save() == before  # the base is not modified
    assert merged.updates_ == together.updates_ == 20 + 90
    for x in rng.normal(size=(10, dim)):
        np.testing.assert_allclose(merged.expected_rewards(x), together.expected_rewards(x), rtol=1e-9, atol=1e-9)
    # Merging a replica of a different shape is refused.
    with pytest.raises(ValueError):
        ad.merge_policies(base, [attune.Policy(dim + 1, arms, kind="lin_ucb")])
