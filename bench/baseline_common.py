"""What bench/numpy_baseline.py and bench/torch_baseline.py share: the shape's key and the
statistics softxent's `bench` reports (nearest-rank percentiles, as org.softxent.bench.Stats)."""
import math


def shape(s):
    """The shape as the benchmark keys it: "4096 x 32000"."""
    return " x ".join(str(v) for v in s)


def stats(samples):
    """runs, median_ms, p10_ms, p90_ms of samples in milliseconds."""
    s = sorted(samples)

    def pct(p):
        rank = math.ceil(p / 100 * len(s))
        return s[max(0, min(len(s) - 1, rank - 1))]

    return {"runs": len(s), "median_ms": pct(50), "p10_ms": pct(10), "p90_ms": pct(90)}
