"""Helpers shared by the benchmark drivers (bench_gpt2.py, bench_patching.py, bench_resnet18.py)."""
import json
import os
import platform
import statistics
import subprocess
import time


def run_scalpel_binary(binary, args, threads, timeout, expect):
    """Runs a Scalpel benchmark binary that prints one JSON line with "median_seconds".
    `expect` holds fields the answer must echo (the row asked for).
    Returns (median_seconds, None) or (None, reason)."""
    if not binary:
        return None, "not run (--torch-only)"
    if not os.path.isfile(binary) or not os.access(binary, os.X_OK):
        return None, f"binary missing: {binary}"
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    cmd = [binary] + [str(a) for a in args] + ["--threads", str(threads)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout} s"
    except OSError as e:
        return None, f"could not start: {e}"
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["(no output)"]
        return None, f"exit {proc.returncode}: {tail[0][:200]}"
    lines = [l for l in proc.stdout.splitlines() if l.strip()]
    try:
        res = json.loads(lines[-1])
        secs = float(res["median_seconds"])
    except (IndexError, ValueError, KeyError, TypeError):
        return None, f"unreadable output: {proc.stdout.strip()[:200]!r}"
    if any(res.get(k) != v for k, v in expect.items()):
        return None, f"answered a different row: {lines[-1][:200]}"
    return secs, None


def result_cells(t_torch, t_sc, why, torch_only, label, notes):
    """(Scalpel ms cell, speed-up cell) of a table row; a failure is noted under `label`."""
    if t_sc is None:
        if torch_only:
            return "–", "–"
        notes.append(f"{label}: Scalpel {why}")
        return "failed", "–"
    return f"{t_sc * 1e3:.1f}", f"{t_torch / t_sc:.2f}×"


def finish_report(header, table, notes, torch_only, out):
    """Prints the footer (skipped or failed Scalpel runs) and writes the whole report to `out`."""
    footer = []
    if torch_only:
        footer = ["", "Scalpel not run (--torch-only)."]
    elif notes:
        footer = ["", "Scalpel failures:", ""] + [f"- {n}" for n in notes]
    if footer:
        print("\n".join(footer), flush=True)
    if out:
        with open(out, "w") as f:
            f.write("\n".join(header + table + footer) + "\n")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def median_time(run, prepare, repeat):
    """Median seconds of `repeat` calls of run() after one warm-up call; prepare() (if given) runs
    untimed before each call and once at the end (e.g. to free gradients). Returns (median, runs)."""
    runs = []
    for i in range(repeat + 1):   # the first one is the warm-up
        if prepare:
            prepare()
        t0 = time.perf_counter()
        out = run()
        dt = time.perf_counter() - t0
        del out
        if i > 0:
            runs.append(dt)
    if prepare:
        prepare()
    return statistics.median(runs), runs
