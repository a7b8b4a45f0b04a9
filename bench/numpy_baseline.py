#!/usr/bin/env python3
"""The CPU user's alternative, measured the way softxent's `bench` measures its CPU engine.

Runs softxent's CPU workloads with NumPy (and the BLAS it was built with) on the same machine and
writes the JSON fields `bench --baseline FILE` reads (workload, shape, variant, runs, median_ms,
p10_ms, p90_ms) with `implementation`: "numpy". bench/run-cpu.sh runs this and the benchmark one
after the other, so that both are measured in one run, and prints them side by side.

  cross-entropy       float32 logits in, the mean loss and dZ = (softmax - onehot) / N out
  softmax backward    dZ = P * (G - rowsum(G * P))
  classifier          logits = X @ W + b, the mean cross-entropy, dS, dW = X.T @ dS, db (no dX):
                      softxent's classifier step, in float32 as NumPy users write it
  training (SGD)      epochs of minibatch SGD on the classifier (batch 256, momentum 0.9) over a
                      synthetic set of 2^17 x 256 x 10: samples per second

Timing: wall clock after two warm-up calls, the median (and p10/p90) of --runs calls.

Usage: python3 bench/numpy_baseline.py [--quick] [--runs N] --json FILE
"""
import argparse
import json
import os
import platform
import time

import numpy as np

from baseline_common import shape, stats

CE = [(65536, 10), (16384, 1000)]
BACKWARD = [(16384, 1000), (4096, 32000)]
CLASSIFIER = [(65536, 256, 10), (4096, 1024, 1000)]
# The training workload's synthetic set and SGD settings: the same as softxent's bench.
TRAIN = (131072, 256, 10)
TRAIN_BATCH = 256
TRAIN_LR = 0.1
TRAIN_MOMENTUM = 0.9


def time_wall(fn, runs, warmup=2):
    for _ in range(warmup):
        fn()
    ms = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1e3)
    return stats(ms)


def softmax_xent(z, y):
    """The mean cross-entropy of float32 logits z [n, c] with labels y, and its gradient."""
    n = z.shape[0]
    m = z.max(axis=1, keepdims=True)
    e = np.exp(z - m)
    s = e.sum(axis=1, keepdims=True)
    logp_y = z[np.arange(n), y] - m[:, 0] - np.log(s[:, 0])
    loss = -logp_y.astype(np.float64).mean()
    dz = e / s
    dz[np.arange(n), y] -= 1.0
    dz *= np.float32(1.0 / n)
    return loss, dz


def classifier_step(x, w, b, y):
    z = x @ w + b
    loss, ds = softmax_xent(z, y)
    return loss, x.T @ ds, ds.sum(axis=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    runs = max(5, args.runs)
    take = 1 if args.quick else 2
    rng = np.random.default_rng(2026)
    results = []

    def add(workload, s, st, **extra):
        results.append({"workload": workload, "shape": shape(s), "variant": "", "implementation": "numpy",
                        **st, **extra})
        print(f"{workload:30} {shape(s):20} numpy {st['median_ms']:10.4f} ms")

    for n, c in CE[:take]:
        z = rng.standard_normal((n, c), dtype=np.float32) * 3
        y = rng.integers(0, c, n)
        add("cross-entropy", (n, c), time_wall(lambda: softmax_xent(z, y), runs))
    for n, c in BACKWARD[:take]:
        z = rng.standard_normal((n, c), dtype=np.float32) * 3
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        g = rng.standard_normal((n, c), dtype=np.float32)
        add("softmax backward", (n, c), time_wall(lambda: p * (g - (g * p).sum(axis=1, keepdims=True)), runs))
    for n, d, c in CLASSIFIER[:take]:
        x = rng.standard_normal((n, d), dtype=np.float32)
        w = rng.standard_normal((d, c), dtype=np.float32) * 0.05
        b = rng.standard_normal(c, dtype=np.float32) * 0.1
        y = rng.integers(0, c, n)
        add("classifier", (n, d, c), time_wall(lambda: classifier_step(x, w, b, y), runs))

    if not args.quick:
        n, d, c = TRAIN
        x = rng.standard_normal((n, d), dtype=np.float32)
        y = (x[:, :c] + 0.5 * rng.standard_normal((n, c), dtype=np.float32)).argmax(axis=1)
        w = np.zeros((d, c), np.float32)
        b = np.zeros(c, np.float32)
        vw = np.zeros_like(w)
        vb = np.zeros_like(b)

        def epoch():
            order = rng.permutation(n)
            for start in range(0, n, TRAIN_BATCH):
                idx = order[start:start + TRAIN_BATCH]
                _, gw, gb = classifier_step(x[idx], w, b, y[idx])
                vw[:] = TRAIN_MOMENTUM * vw + gw
                vb[:] = TRAIN_MOMENTUM * vb + gb
                w[:] -= TRAIN_LR * vw
                b[:] -= TRAIN_LR * vb

        st = time_wall(epoch, max(3, runs // 4), warmup=1)
        add("training: SGD epoch", TRAIN, st, samples_per_s=n / (st["median_ms"] / 1e3))

    environment = {
        "numpy": np.__version__,
        "blas": blas_name(),
        "python": platform.python_version(),
        "cpu_threads": os.cpu_count(),
    }
    with open(args.json, "w") as f:
        json.dump({"environment": environment, "results": results}, f, indent=2)
    print("wrote", args.json)


def blas_name():
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # an older NumPy: no dict form of its build configuration
        return "unknown"


if __name__ == "__main__":
    main()
