"""NumPy/SciPy side of bench/linalg.ts. Reads one JSON request per line on stdin
({"op", "n", "path", "reps"}; the matrix is raw little-endian float64 written by the TS
side), times the reference call (a warm-up unless "warm" is false, then the median of
`reps` runs) and answers
with one JSON line. A persistent process lets the bench alternate between the two sides,
so load from other processes hits both alike."""
import json, sys, time
import numpy as np
import scipy
import scipy.linalg
import scipy.linalg.interpolative as sli

OPS = {
    "svd": lambda A: np.linalg.svd(A, full_matrices=False),
    "svd_values": lambda A: np.linalg.svd(A, compute_uv=False),
    "pinv": lambda A: np.linalg.pinv(A),
    "pivoted_qr": lambda A: scipy.linalg.qr(A, pivoting=True, mode="r"),
    "id": lambda A: sli.interp_decomp(A, A.shape[1] // 2, rand=False),
}

def median_time(fn, reps, warm=True):
    if warm:
        fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return float(np.median(ts))

print(json.dumps({"numpy": np.__version__, "scipy": scipy.__version__}), flush=True)
cache = {}
for line in sys.stdin:
    req = json.loads(line)
    n, path = req["n"], req["path"]
    if path not in cache:
        cache[path] = np.fromfile(path, dtype="<f8").reshape(n, n)
    A = cache[path]
    print(json.dumps({"seconds": median_time(lambda: OPS[req["op"]](A), req["reps"], req.get("warm", True))}), flush=True)
