#!/usr/bin/env python3
"""The user's alternative, measured the way softxent's `bench` measures itself.

Runs softxent's benchmark workloads with PyTorch on the same GPU and writes the same JSON fields
(workload, shape, variant, runs, median_ms, p10_ms, p90_ms), plus `implementation`: "eager" or
"compile". `java -jar target/softxent.jar bench --baseline FILE` prints them side by side.

  cross-entropy (device)       F.cross_entropy forward + backward on CUDA tensors; eager and torch.compile
  softmax backward (device)    aten._softmax_backward_data (what autograd runs for softmax)
  classifier (device)          X @ W + b, cross_entropy, backward (dW, db; X needs no grad), FP32 and TF32
  cross-entropy (host arrays)  NumPy in, torch.from_numpy(...).cuda(), forward + backward, .cpu().numpy() out
  cross-entropy sweep (device) the fused cross-entropy's shapes over C = 10 .. 262,144 at N x C = 2^27; eager and compile
  training: SGD epoch          (full run) PyTorch's own loop on the set resident on the GPU: a permutation per epoch,
                               batches of 256 gathered by index, nn.Linear + F.cross_entropy, torch.optim.SGD
                               (lr 0.1, momentum 0.9); the median epoch after the first, and samples/s
  training: L-BFGS to loss     (full run) torch.optim.LBFGS (history 10, strong Wolfe line search; L2 1e-4 on W)
                               for 100 iterations, full batch: the loss after each iteration (evaluated aside,
                               off the clock), and the time to within 0.1 % of the way from the first of them
                               to the lowest (softxent's definition, on its own history)
The training set is synthetic as softxent's bench makes it (normal features; the label is the argmax of the
first C features plus noise of scale 0.5), drawn by PyTorch's generator: the same problem, not the same numbers.

Timing: CUDA events after a warm-up, the median (and p10/p90) of at least 20 runs, rotating among
enough input sets that the 50 MB L2 cannot hold them. Needs PyTorch with CUDA; only the GPU
machine has it (the benchmark itself never needs it).

Usage: python3 bench/torch_baseline.py [--quick] [--runs N] --json FILE
"""
import argparse
import json
import math
import platform
import time

import numpy as np
import torch
import torch.nn.functional as F

from baseline_common import shape, stats

CE = [(65536, 10), (16384, 1000), (4096, 32000), (1024, 128256)]
BACKWARD = [(16384, 1000), (4096, 32000)]
CLASSIFIER = [(65536, 256, 10), (4096, 1024, 1000), (8192, 4096, 32000)]
HOST_CE = [(4096, 32000), (65536, 1000)]
TRAIN = (1048576, 256, 10)
SWEEP_COLS = [10, 32, 100, 320, 1000, 3200, 10000, 32000, 100000, 128256, 262144]
SWEEP_ELEMENTS = 1 << 27
ROTATION_BYTES = 200 << 20


def sets(bytes_per_set):
    return max(2, min(64, math.ceil(ROTATION_BYTES / bytes_per_set)))


def time_cuda(fn, runs, warmup=5):
    for i in range(warmup):
        fn(i)
    torch.cuda.synchronize()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    ms = []
    for i in range(runs):
        start.record()
        fn(warmup + i)
        stop.record()
        stop.synchronize()
        ms.append(start.elapsed_time(stop))
    return stats(ms)


def time_wall(fn, runs, warmup=2):
    for i in range(warmup):
        fn(i)
    torch.cuda.synchronize()
    ms = []
    for i in range(runs):
        t0 = time.perf_counter()
        fn(warmup + i)
        torch.cuda.synchronize()
        ms.append((time.perf_counter() - t0) * 1e3)
    return stats(ms)


def cross_entropy_step(z, y):
    z.grad = None
    loss = F.cross_entropy(z, y)
    loss.backward()
    return loss


def training(dev, gen, add):
    n, d, c = TRAIN
    x = torch.randn(n, d, device=dev, generator=gen)
    y = (x[:, :c] + 0.5 * torch.randn(n, c, device=dev, generator=gen)).argmax(dim=1)

    model = torch.nn.Linear(d, c).to(dev)
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def epoch():
        order = torch.randperm(n, device=dev, generator=gen)
        for start in range(0, n, 256):
            idx = order[start:start + 256]
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()

    ms = []
    for e in range(5):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        epoch()
        torch.cuda.synchronize()
        if e > 0:
            ms.append((time.perf_counter() - t0) * 1e3)
    st = stats(ms)
    st["samples_per_s"] = n / (st["median_ms"] / 1e3)
    add("training: SGD epoch", TRAIN, "", "eager", st)

    model = torch.nn.Linear(d, c).to(dev)
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)
    lbfgs = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=1, history_size=10,
                              line_search_fn="strong_wolfe")

    def objective():
        return F.cross_entropy(model(x), y) + 1e-4 * model.weight.pow(2).sum()

    def closure():
        lbfgs.zero_grad(set_to_none=True)
        loss = objective()
        loss.backward()
        return loss

    # trace[i]: the objective after iteration i + 1 and the optimizer's own time until then.
    # LBFGS.step returns the loss before its update, so the loss after it is evaluated aside,
    # with the clock stopped, as softxent's history records f after each iteration.
    trace = []
    spent = 0.0
    for _ in range(100):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        lbfgs.step(closure)
        torch.cuda.synchronize()
        spent += (time.perf_counter() - t0) * 1e3
        with torch.no_grad():
            trace.append((float(objective()), spent))
    first, best = trace[0][0], min(f for f, _ in trace)
    target = best + 1e-3 * (first - best)
    k, (f, at_ms) = next((i, t) for i, t in enumerate(trace) if t[0] <= target)
    add("training: L-BFGS to loss", TRAIN, "", "eager",
        {"runs": 1, "median_ms": at_ms, "p10_ms": at_ms, "p90_ms": at_ms, "iterations": k + 1, "objective": f})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    runs = max(20, args.runs)
    dev = torch.device("cuda")
    gen = torch.Generator(device=dev).manual_seed(2026)
    results = []

    def add(workload, s, variant, implementation, st):
        results.append({"workload": workload, "shape": shape(s), "variant": variant,
                        "implementation": implementation, **st})
        print(f"{workload:30} {shape(s):20} {variant:5} {implementation:8} {st['median_ms']:10.4f} ms")

    compiled_step = torch.compile(cross_entropy_step)
    for n, c in ([CE[0], CE[2]] if args.quick else CE):
        k = sets(n * c * 4)
        zs = [torch.randn(n, c, device=dev, generator=gen).mul_(3).requires_grad_() for _ in range(k)]
        y = torch.randint(0, c, (n,), device=dev, generator=gen)
        add("cross-entropy (device)", (n, c), "", "eager", time_cuda(lambda i: cross_entropy_step(zs[i % k], y), runs))
        add("cross-entropy (device)", (n, c), "", "compile",
            time_cuda(lambda i: compiled_step(zs[i % k], y), runs, warmup=10))
        del zs

    if not args.quick:
        for c in SWEEP_COLS:
            n = max(1, SWEEP_ELEMENTS // c)
            k = sets(n * c * 4)
            zs = [torch.randn(n, c, device=dev, generator=gen).mul_(3).requires_grad_() for _ in range(k)]
            y = torch.randint(0, c, (n,), device=dev, generator=gen)
            add("cross-entropy sweep (device)", (n, c), "", "eager",
                time_cuda(lambda i: cross_entropy_step(zs[i % k], y), runs))
            add("cross-entropy sweep (device)", (n, c), "", "compile",
                time_cuda(lambda i: compiled_step(zs[i % k], y), runs, warmup=10))
            del zs

    for n, c in ([BACKWARD[1]] if args.quick else BACKWARD):
        k = sets(n * c * 8)
        ps = [torch.softmax(torch.randn(n, c, device=dev, generator=gen) * 3, dim=1) for _ in range(k)]
        gs = [torch.randn(n, c, device=dev, generator=gen) for _ in range(k)]
        add("softmax backward (device)", (n, c), "", "eager", time_cuda(
            lambda i: torch.ops.aten._softmax_backward_data(gs[i % k], ps[i % k], 1, torch.float32), runs))
        del ps, gs

    for n, d, c in ([CLASSIFIER[1]] if args.quick else CLASSIFIER):
        k = sets(n * d * 4)
        xs = [torch.randn(n, d, device=dev, generator=gen) for _ in range(k)]
        w = (torch.randn(d, c, device=dev, generator=gen) * 0.05).requires_grad_()
        b = (torch.randn(c, device=dev, generator=gen) * 0.1).requires_grad_()
        y = torch.randint(0, c, (n,), device=dev, generator=gen)

        def step(i):
            w.grad = None
            b.grad = None
            F.cross_entropy(xs[i % k] @ w + b, y).backward()

        for variant, tf32 in (("fp32", False), ("tf32", True)):
            torch.backends.cuda.matmul.allow_tf32 = tf32
            add("classifier (device)", (n, d, c), variant, "eager", time_cuda(step, runs, warmup=3))
        torch.backends.cuda.matmul.allow_tf32 = False
        del xs, w, b

    for n, c in ([HOST_CE[0]] if args.quick else HOST_CE):
        rng = np.random.default_rng(2026)
        z_host = (rng.standard_normal((n, c), dtype=np.float32) * 3)
        y_host = rng.integers(0, c, n)

        def host_step(i):
            z = torch.from_numpy(z_host).to(dev).requires_grad_()
            y = torch.from_numpy(y_host).to(dev)
            F.cross_entropy(z, y).backward()
            return z.grad.cpu().numpy()

        add("cross-entropy (host arrays)", (n, c), "", "eager", time_wall(host_step, runs))

    if not args.quick:
        training(dev, gen, add)

    environment = {
        "device": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    with open(args.json, "w") as f:
        json.dump({"environment": environment, "results": results}, f, indent=2)
    print("wrote", args.json)


if __name__ == "__main__":
    main()
