import numpy as np, sys
rows, feats, name = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(26)
proj = rng.normal(size=(feats, 10)).astype(np.float32) / np.sqrt(feats)
x = np.lib.format.open_memmap(name + "_x.npy", mode="w+", dtype=np.uint8, shape=(rows, feats))
y = np.empty(rows, dtype=np.int64)
block = 100_000
for r0 in range(0, rows, block):
    m = min(block, rows - r0)
    xb = rng.integers(0, 256, size=(m, feats), dtype=np.uint8)
    x[r0:r0+m] = xb
    s = (xb.astype(np.float32) - 127.5) @ proj / 40 + rng.normal(size=(m, 10)).astype(np.float32)
    y[r0:r0+m] = s.argmax(1)
x.flush(); del x
np.save(name + "_y.npy", y)
print("wrote", name, rows, feats)
