#!/usr/bin/env python3
"""CLIP Schur decomposition: Scalpel (`scalpel clip`) against a NumPy implementation of the same
formulas and the same route choice, on the same machine in the same run.

    /usr/bin/python3 tests/bench/bench_clip.py --scalpel build/bin/scalpel [--sizes 1000,5000,20000] [--out docs/bench_clip.md]

Both sides use the same thread count (OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = --threads, default
all cores). Scalpel is timed twice: as a whole process (start-up, reading the NPZ input and writing
the HDF5 result included) and by its own clock around the arithmetic (`compute_seconds`); NumPy is
timed around its arithmetic only. Each cell is the best of --repeat runs.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))


def numpy_decomposition(np, T, X, route, sigma=3.5, D=2500, seed=0):
    import clip_reference as ref
    n = T.shape[0]
    if route == "exact":
        def gram(A):
            sq = np.sum(A * A, 1)
            return np.exp(-np.maximum(sq[:, None] + sq[None, :] - 2 * A @ A.T, 0) / (2 * sigma ** 2))
        Kt, Ki, div, m = gram(T), gram(X), n, n
    else:
        omega = ref.gaussian_frequencies(T.shape[1], D, sigma, seed)
        PhiT, PhiI = ref.rff(T, omega), ref.rff(X, omega)
        m, div = 2 * D, n
        if n >= m:   # feature side, as Scalpel's auto route
            Ctt, Cti, Cii = PhiT.T @ PhiT / div, PhiT.T @ PhiI / div, PhiI.T @ PhiI / div
            l, V = np.linalg.eigh(Ctt + 1e-12 * np.eye(m))
            keep = l > m * 2.0 ** -23 * np.abs(l).max()
            B = V[:, keep].T @ Cti
            Bs = B / np.sqrt(l[keep])[:, None]
            text = np.linalg.eigvalsh(Bs @ Bs.T)
            schur = np.linalg.eigvalsh(Cii - Bs.T @ Bs)
            image = np.linalg.eigvalsh(Cii)
            return ref.score(schur), ref.score(text), float(schur.sum())
        Kt, Ki = PhiT @ PhiT.T, PhiI @ PhiI.T
    mu, U = np.linalg.eigh(Kt)
    s = mu / div
    c = s + 1e-12
    keep = c > m * 2.0 ** -23 * np.abs(c).max()
    Uk, w = U[:, keep], s[keep] / c[keep]
    UkW = Uk * np.sqrt(w)
    text = np.linalg.eigvalsh(UkW.T @ Ki @ UkW / div)
    R = np.eye(n) - (Uk * (1 - np.sqrt(np.maximum(1 - w, 0)))) @ Uk.T
    schur = np.linalg.eigvalsh(R @ Ki @ R / div)
    image = np.linalg.eigvalsh(Ki / div)
    pad = lambda e: np.concatenate([e, np.zeros(max(0, m - len(e)))])
    return ref.score(pad(schur)), ref.score(pad(text)), float(schur.sum())


def synthetic(np, n, d=512, per_prompt=10, seed=0):
    rng = np.random.default_rng(seed)
    prompts = rng.normal(size=(max(1, n // per_prompt), d)) * 0.5
    T = np.repeat(prompts, per_prompt, axis=0)[:n]
    X = T @ (rng.normal(size=(d, d)) * 0.05) + 0.3 * rng.normal(size=(n, d))
    return T, X


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scalpel", required=True)
    ap.add_argument("--sizes", default="1000,5000,20000")
    ap.add_argument("--routes", default="rff,exact")
    ap.add_argument("--max-exact", type=int, default=5000, help="largest n for the exact (n x n) route")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--out")
    args = ap.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np   # after the thread variables, so OpenBLAS reads them

    rows = ["| n | d | route | side | NumPy (s) | Scalpel process (s) | NumPy / Scalpel process | Scalpel compute (s) | NumPy / Scalpel compute | SCE rel. diff |", "|---|---|---|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            T, X = synthetic(np, n)
            path = os.path.join(tmp, f"emb{n}.npz")
            np.savez(path, text=T, image=X)
            for route in args.routes.split(","):
                if route == "exact" and n > args.max_exact:
                    rows.append(f"| {n} | 512 | exact | gram | skipped | skipped | – | – | – | – |")
                    continue
                t_np, (sce_np, _, _) = best(lambda: numpy_decomposition(np, T, X, route), args.repeat)
                cmd = [args.scalpel, "clip", "--embeddings", path, "--route", "auto" if route == "rff" else "exact",
                       "--out", os.path.join(tmp, "r.h5"), "--json"]
                t_sc, proc = best(lambda: subprocess.run(cmd, capture_output=True, text=True, check=True), args.repeat)
                res = json.loads(proc.stdout)
                rel = abs(res["sce"] - sce_np) / abs(sce_np)
                t_cmp = res["compute_seconds"]
                rows.append(f"| {n} | 512 | {route} | {res['side']} | {t_np:.2f} | {t_sc:.2f} | {t_np / t_sc:.2f}× | "
                            f"{t_cmp:.2f} | {t_np / t_cmp:.2f}× | {rel:.1e} |")
                print(rows[-1], flush=True)
    text = "\n".join(rows) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
