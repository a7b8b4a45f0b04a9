#!/usr/bin/env python3
"""The scikit-learn user's time to a trained model, on the files softxent's end-to-end workload
reads (written by `java -cp target/softxent.jar org.softxent.bench.SyntheticImages DIR`, or by
`bench --data-dir DIR`): 60,000 x 784 pixels of 0..255, 10 classes, and a 10,000-row test set.

As a scikit-learn user fits it: np.load of the .npy files, StandardScaler, LogisticRegression with
its defaults (lbfgs, C = 1, max_iter = 100), the test accuracy; and predict_proba of the 60,000
rows once loaded. Each step timed apart (the median of --runs), in the JSON fields `bench
--baseline FILE` reads, with `implementation`: "sklearn" and, for the fit, `accuracy`. The
fit's time is scikit-learn's fit alone (no loading, no scaling): the figure softxent's whole
`train` command is compared with.

Where scikit-learn is not installed this says so, writes a JSON without results, and exits 0.

Usage: python3 bench/sklearn_baseline.py --data DIR [--runs N] --json FILE
"""
import argparse
import json
import os
import platform
import time

import numpy as np

from baseline_common import stats

SHAPE = "60000 x 784 x 10"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    env = {"python": platform.python_version(), "numpy": np.__version__, "cpu_threads": os.cpu_count()}
    try:
        import sklearn
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler
    except ImportError as e:
        print(f"SKIP: scikit-learn is not installed ({e}); no baseline for the end-to-end workload")
        with open(args.json, "w") as f:
            json.dump({"environment": env, "skipped": "scikit-learn is not installed", "results": []}, f, indent=2)
        return
    env["sklearn"] = sklearn.__version__
    d = args.data
    results = []

    load = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        x = np.load(os.path.join(d, "train_x.npy"))
        y = np.load(os.path.join(d, "train_y.npy"))
        load.append((time.perf_counter() - t0) * 1e3)
    results.append({"workload": "data load (.npy)", "shape": SHAPE, "implementation": "sklearn", **stats(load)})
    xt = np.load(os.path.join(d, "test_x.npy"))
    yt = np.load(os.path.join(d, "test_y.npy"))

    fit, scale = [], []
    accuracy = None
    model = scaler = None
    for _ in range(args.runs):
        t0 = time.perf_counter()
        scaler = StandardScaler().fit(x)
        xs = scaler.transform(x)
        t1 = time.perf_counter()
        model = LogisticRegression(max_iter=100).fit(xs, y)
        t2 = time.perf_counter()
        scale.append((t1 - t0) * 1e3)
        fit.append((t2 - t1) * 1e3)
        accuracy = float((model.predict(scaler.transform(xt)) == yt).mean())
    results.append({"workload": "train, whole command (.npy)", "shape": SHAPE, "implementation": "sklearn",
                    "accuracy": accuracy, "iterations": int(model.n_iter_[0]), "scaling_ms": stats(scale)["median_ms"],
                    **stats(fit)})

    predict = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        model.predict_proba(scaler.transform(x))
        predict.append((time.perf_counter() - t0) * 1e3)
    results.append({"workload": "predict (after load)", "shape": SHAPE, "implementation": "sklearn", **stats(predict)})

    for r in results:
        extra = f", test accuracy {r['accuracy']:.4f}, {r['iterations']} iterations" if "accuracy" in r else ""
        print(f"{r['workload']:<32} {r['shape']:<18} median {r['median_ms']:10.1f} ms{extra}")
    with open(args.json, "w") as f:
        json.dump({"environment": env, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
