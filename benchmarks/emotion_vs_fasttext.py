#!/usr/bin/python3
"""Side-by-side speed of attune's emotion model and fastText's predict on the same texts, same run.

Trains a fastText supervised model (one-vs-all loss, word bigrams: the shape of
../shared/bench/goemotions_fasttext.py, fewer epochs because only its speed is measured here) on
GoEmotions train, then alternates timed passes over the GoEmotions dev texts:
  - fastText: model.predict(texts, k=-1, threshold=0.0) on the normalized texts (lower-cased,
    whitespace folded, as fastText expects; the normalization is done before timing, in
    fastText's favour), single-threaded (predict uses the calling thread);
  - attune: benchmarks/bench_emotion --single (EmotionModel::score per raw text, single thread,
    the same dev texts; it reports wall and process-CPU rates itself).
Both rates are medians over the passes, as texts/s of wall time and of process CPU time (the
CPU-time rate is the meaningful one on a shared, loaded machine). Prints one JSON object.

usage: /usr/bin/python3 benchmarks/emotion_vs_fasttext.py [--data ../shared/data/goemotions]
       [--bench build/bin/bench_emotion] [--model models/emotion-en.attm] [--rounds 3] [--epochs 5]
Run from the repository root.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time

import fasttext


def read_texts(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2:
                out.append((parts[0], parts[1]))
    return out


def norm(t):
    return re.sub(r"\s+", " ", t.lower().replace("\n", " ")).strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/goemotions")
    ap.add_argument("--bench", default="build/bin/bench_emotion")
    ap.add_argument("--model", default="models/emotion-en.attm")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=5)
    args = ap.parse_args()

    train = read_texts(os.path.join(args.data, "train.tsv"))
    dev_tsv = os.path.join(args.data, "dev.tsv")
    dev = [norm(t) for t, _ in read_texts(dev_tsv)]
    tmp = tempfile.mkdtemp()
    train_ft = os.path.join(tmp, "train.ft")
    with open(train_ft, "w", encoding="utf-8") as f:
        for t, labels in train:
            f.write(" ".join("__label__" + i for i in labels.split(",")) + " " + norm(t) + "\n")
    t0 = time.time()
    model = fasttext.train_supervised(train_ft, loss="ova", epoch=args.epochs, lr=0.5, wordNgrams=2, dim=100,
                                      minCount=1, thread=1, verbose=0)
    train_s = time.time() - t0

    model.predict(dev, k=-1, threshold=0.0)  # warm-up
    ft_wall, ft_cpu, ours, ours_cpu, ours_lines = [], [], [], [], []
    for _ in range(args.rounds):
        for _ in range(2):
            w0, c0 = time.perf_counter(), time.process_time()
            model.predict(dev, k=-1, threshold=0.0)
            ft_wall.append(len(dev) / (time.perf_counter() - w0))
            ft_cpu.append(len(dev) / max(1e-9, time.process_time() - c0))
        out = subprocess.run([args.bench, args.model, dev_tsv, "--single"], check=True, capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            rec = json.loads(line)
            if rec.get("name") == "emotion_score":
                ours.append(rec["items_per_s"])
                ours_cpu.append(rec["items_per_cpu_s"])
                ours_lines.append(rec)
    ft_rate, ft_cpu_rate = statistics.median(ft_wall), statistics.median(ft_cpu)
    our_rate, our_cpu_rate = statistics.median(ours), statistics.median(ours_cpu)
    result = {
        "name": "emotion_vs_fasttext",
        "texts": len(dev),
        "source": "goemotions/dev.tsv",
        "fasttext": {"texts_per_s": round(ft_rate), "texts_per_cpu_s": round(ft_cpu_rate),
                     "api": "python fasttext.predict(list, k=-1, threshold=0.0), 1 thread",
                     "train": {"loss": "ova", "epoch": args.epochs, "dim": 100, "wordNgrams": 2,
                               "seconds": round(train_s, 1)}},
        "attune": {"texts_per_s": round(our_rate), "texts_per_cpu_s": round(our_cpu_rate),
                   "cpu_ns_per_text": round(1e9 / our_cpu_rate),
                   "api": "EmotionModel::score per text, 1 thread (bench_emotion --single)"},
        "ratio_wall": round(our_rate / ft_rate, 2),
        "ratio_cpu": round(our_cpu_rate / ft_cpu_rate, 2),
        "passes": {"fasttext": len(ft_wall), "attune": len(ours)},
        "load_average": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
