"""NumPy/SciPy side of bench/linalg.ts: times the reference operations on the same
Gaussian matrices (read from a binary file written by the TS side) and prints JSON."""
import json, sys, time
import numpy as np
import scipy
import scipy.linalg
import scipy.linalg.interpolative as sli

def median_time(fn, reps):
    fn()  # warm-up
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return float(np.median(ts))

def main():
    spec = json.loads(sys.argv[1])
    out = {"numpy": np.__version__, "scipy": scipy.__version__, "results": []}
    for item in spec:
        n, reps, path = item["n"], item["reps"], item["path"]
        A = np.fromfile(path, dtype="<f8").reshape(n, n)
        k = n // 2
        row = {"n": n}
        row["svd"] = median_time(lambda: np.linalg.svd(A, full_matrices=False), reps)
        row["svd_values"] = median_time(lambda: np.linalg.svd(A, compute_uv=False), reps)
        row["pinv"] = median_time(lambda: np.linalg.pinv(A), reps)
        row["pivoted_qr"] = median_time(lambda: scipy.linalg.qr(A, pivoting=True, mode="r"), reps)
        row["id"] = median_time(lambda: sli.interp_decomp(A, k, rand=False), reps)
        out["results"].append(row)
    print(json.dumps(out))

main()
