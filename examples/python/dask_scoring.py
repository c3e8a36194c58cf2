#!/usr/bin/env python3
"""Score a partitioned CRM table with Dask: each worker loads the emotion model once.

    python3 examples/python/dask_scoring.py [--rows 20000] [--partitions 16] [--workers 2]
        [--threads-per-worker 1] [--csv messages.csv --text-column text] [--out scored.parquet]

Without --csv it builds a synthetic support-ticket table from message templates (no data
download). The partition function is `attune.distributed.score_emotions`, a plain
pandas -> pandas function: the same one works in Spark's `mapInPandas` (docs/python.md).
Prints one JSON line: rows, partitions, workers, seconds, rows/s, the same scoring in this single
process (seconds, and whether the results are equal), model loads per worker, and the mean valence
per channel.
"""

import argparse
import json
import time

import numpy as np
import pandas as pd

import attune
from attune import distributed as ad

TEMPLATES = [
    "Thank you so much, the {item} arrived early and works perfectly!",
    "I've been waiting {n} days for my {item}. This is unacceptable.",
    "Can you tell me how to return the {item}?",
    "The {item} stopped working after {n} days, I'm really disappointed.",
    "Great support today, the agent solved my {item} problem in minutes.",
    "I was charged twice for the {item} and nobody answers. I'm furious.",
    "I'm worried the {item} got lost, tracking hasn't moved in {n} days.",
    "Love the new {item}, it's so much better than the old one!",
    "I'm confused, the invoice for the {item} shows a different price.",
    "Is the {item} coming back in stock soon?",
]
ITEMS = ["headphones", "phone case", "blender", "running shoes", "lamp", "subscription", "backpack"]
CHANNELS = ["email", "chat", "phone", "social"]


def synthetic_table(rows: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    templates = rng.integers(0, len(TEMPLATES), rows)
    items = rng.integers(0, len(ITEMS), rows)
    days = rng.integers(2, 30, rows)
    text = [TEMPLATES[t].format(item=ITEMS[i], n=int(d)) for t, i, d in zip(templates, items, days)]
    return pd.DataFrame({
        "customer_id": [f"c{k:06d}" for k in rng.integers(0, rows // 3 + 1, rows)],
        "channel": rng.choice(CHANNELS, rows),
        "text": text,
    })


def score_with_dask(pdf: pd.DataFrame, partitions: int, client, text_column: str = "text",
                    probabilities=("anger", "joy")):
    """The pattern: pandas -> dask partitions -> map_partitions(score_emotions) -> compute."""
    import dask.dataframe as dd

    ddf = dd.from_pandas(pdf, npartitions=partitions)
    kwargs = dict(text_column=text_column, probabilities=list(probabilities))
    meta = ad.score_emotions(pdf.iloc[:0], **kwargs)  # empty partition: no model needed
    scored = ddf.map_partitions(ad.score_emotions, meta=meta, **kwargs)
    return client.compute(scored).result()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads-per-worker", type=int, default=1)
    ap.add_argument("--csv", help="score this CSV instead of the synthetic table")
    ap.add_argument("--text-column", default="text")
    ap.add_argument("--out", help="write the scored table here (.parquet or .csv)")
    args = ap.parse_args()

    from dask.distributed import Client, LocalCluster

    pdf = pd.read_csv(args.csv) if args.csv else synthetic_table(args.rows)
    with LocalCluster(n_workers=args.workers, threads_per_worker=args.threads_per_worker,
                      processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        start = time.perf_counter()
        scored = score_with_dask(pdf, args.partitions, client, args.text_column)
        seconds = time.perf_counter() - start
        loads = client.run(lambda: ad.cache_info()["loads"])
    # The reference: the same partition function on the whole table in this one process.
    start = time.perf_counter()
    single = ad.score_emotions(pdf, text_column=args.text_column, probabilities=["anger", "joy"])
    single_seconds = time.perf_counter() - start
    same = bool(single.equals(scored.sort_index()))
    if args.out:
        (scored.to_parquet if args.out.endswith(".parquet") else scored.to_csv)(args.out)
    by_channel = scored.groupby("channel")["valence"].mean().round(3).to_dict() if "channel" in scored else {}
    print(json.dumps({
        "attune": attune.__version__, "rows": len(scored), "partitions": args.partitions,
        "workers": args.workers, "seconds": round(seconds, 3), "rows_per_s": round(len(scored) / seconds, 1),
        "single_process_seconds": round(single_seconds, 3), "equal_to_single_process": same,
        "model_loads_per_worker": sorted(loads.values()), "mean_valence_by_channel": by_channel,
    }))


if __name__ == "__main__":
    main()
