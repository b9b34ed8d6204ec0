#!/usr/bin/env python3
"""GPT-2-small on this CPU: Scalpel's engine (`scalpel_bench_gpt2`) against PyTorch, in the same run.

    /usr/bin/python3 tests/bench/bench_gpt2.py --scalpel build/bin/scalpel_bench_gpt2 \
        [--threads N] [--repeat R] [--rows b1t128,b8t128,b1t512,b8t512] \
        [--modes forward,backward,lrp] [--out docs/bench_gpt2.md] [--torch-only]

Model: GPT-2-small shape (12 layers, d 768, 12 heads, d_mlp 3072, vocab 50257, 1024 positions,
gelu_new, LayerNorm eps 1e-5, unembedding tied to the token embedding), float32, random weights
(timing only: the two sides do not share weights, only shapes). The PyTorch side is a plain
implementation written here (pre-LN blocks, Conv1D layout y = x @ W + b with W [in, out], causal
softmax attention), in eval form (no dropout).

Modes, each timed around the whole thing (embedding and forward included in every mode):
  forward   logits [B, T, vocab] for all positions under torch.no_grad().
  backward  forward with autograd, then metric.backward() to every parameter (param.grad), where
            metric = sum over the batch of logits[b, -1, A] - logits[b, -1, W] for two fixed token ids.
  lrp       the same metric, backward with the RelP rule set in its "detach" form (relp.md section 4):
            LN-rule on every LayerNorm (sigma detached), Identity rule on GELU
            (y = zp * detach(gelu(x) / zp), zp = x + 1e-6 (sign x + [x = 0])), exact attention;
            gradient to the embedding output (residual stream input) only, parameters frozen:
            torch.autograd.grad(metric, resid0).

Timing: torch.set_num_threads(--threads, default all cores); one warm-up run, then the median of
--repeat runs (time.perf_counter). The Scalpel binary is run per row and mode as
    scalpel_bench_gpt2 --batch B --seq T --mode forward|backward|lrp --repeat R --threads N
with OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = N, and must print one JSON line
    {"batch": B, "seq": T, "mode": "forward", "median_seconds": x, "runs": [...]}
(its own warm-up and median). If the binary is missing or fails the table says so and keeps the
PyTorch column. --torch-only skips the binary altogether. --out writes the printed report to a file.
"""
import argparse
import datetime
import math
import os
import platform
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import cpu_model, finish_report, median_time, result_cells, run_scalpel_binary  # noqa: E402

MODES = {"forward": "forward", "backward": "forward+backward", "lrp": "forward+lrp"}
TOKEN_A, TOKEN_W = 262, 1110   # the two fixed ids of the logit-difference metric


def gpt2_small():
    return dict(n_layer=12, n_embd=768, n_head=12, d_mlp=3072, vocab=50257, n_positions=1024, eps=1e-5)


def make_params(torch, cfg, seed=0):
    g = torch.Generator().manual_seed(seed)
    D, M = cfg["n_embd"], cfg["d_mlp"]

    def normal(*shape, std=0.02):
        return torch.randn(*shape, generator=g) * std

    def ln():
        return {"w": 1.0 + normal(D, std=0.1), "b": normal(D)}

    p = {"wte": normal(cfg["vocab"], D), "wpe": normal(cfg["n_positions"], D, std=0.01), "ln_f": ln(), "blocks": []}
    for _ in range(cfg["n_layer"]):
        p["blocks"].append({
            "ln_1": ln(), "ln_2": ln(),
            "c_attn": {"w": normal(D, 3 * D), "b": normal(3 * D)},
            "attn_proj": {"w": normal(D, D), "b": normal(D)},
            "c_fc": {"w": normal(D, M), "b": normal(M)},
            "mlp_proj": {"w": normal(M, D), "b": normal(D)},
        })
    return p


def all_tensors(p):
    if isinstance(p, dict):
        for v in p.values():
            yield from all_tensors(v)
    elif isinstance(p, list):
        for v in p:
            yield from all_tensors(v)
    else:
        yield p


class GPT2:
    """Functional GPT-2 over the nested parameter dict; rules=True applies the RelP detach rules."""

    def __init__(self, torch, cfg, params):
        self.torch, self.F = torch, torch.nn.functional
        self.cfg, self.p = cfg, params
        self.masks = {}

    def embed(self, ids):
        T = ids.shape[1]
        pos = self.torch.arange(T)
        return self.p["wte"][ids] + self.p["wpe"][pos][None]

    def layer_norm(self, x, ln, rules):
        if not rules:
            return self.F.layer_norm(x, (x.shape[-1],), ln["w"], ln["b"], self.cfg["eps"])
        xc = x - x.mean(-1, keepdim=True)
        sigma = (xc.pow(2).mean(-1, keepdim=True) + self.cfg["eps"]).sqrt()
        return xc / sigma.detach() * ln["w"] + ln["b"]

    def gelu(self, x, rules):
        y = self.F.gelu(x, approximate="tanh")   # gelu_new
        if not rules:
            return y
        torch = self.torch
        zp = x + 1e-6 * (torch.sign(x) + (x == 0).to(x.dtype))
        return zp * (y / zp).detach()

    def causal_mask(self, T):
        if T not in self.masks:
            self.masks[T] = self.torch.triu(self.torch.ones(T, T, dtype=self.torch.bool), diagonal=1)
        return self.masks[T]

    def attention(self, x, blk):
        torch = self.torch
        B, T, D = x.shape
        H = self.cfg["n_head"]
        dh = D // H
        qkv = torch.addmm(blk["c_attn"]["b"], x.reshape(B * T, D), blk["c_attn"]["w"]).view(B, T, 3, H, dh)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)            # each [B, H, T, dh]
        scores = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(dh))
        scores = scores.masked_fill(self.causal_mask(T), float("-inf"))
        pattern = torch.softmax(scores, dim=-1)
        z = (pattern @ v).transpose(1, 2).reshape(B * T, D)
        return torch.addmm(blk["attn_proj"]["b"], z, blk["attn_proj"]["w"]).view(B, T, D)

    def mlp(self, x, blk, rules):
        torch = self.torch
        B, T, D = x.shape
        h = torch.addmm(blk["c_fc"]["b"], x.reshape(B * T, D), blk["c_fc"]["w"])
        h = self.gelu(h, rules)
        return torch.addmm(blk["mlp_proj"]["b"], h, blk["mlp_proj"]["w"]).view(B, T, D)

    def from_resid(self, resid, rules=False):
        x = resid
        for blk in self.p["blocks"]:
            x = x + self.attention(self.layer_norm(x, blk["ln_1"], rules), blk)
            x = x + self.mlp(self.layer_norm(x, blk["ln_2"], rules), blk, rules)
        x = self.layer_norm(x, self.p["ln_f"], rules)
        return x @ self.p["wte"].t()                                   # tied unembedding, [B, T, vocab]


def metric(logits):
    last = logits[:, -1, :]
    return (last[:, TOKEN_A] - last[:, TOKEN_W]).sum()


def torch_runner(torch, model, batch, seq, mode, seed=1):
    ids = torch.randint(0, model.cfg["vocab"], (batch, seq), generator=torch.Generator().manual_seed(seed))
    params = list(all_tensors(model.p))

    if mode == "forward":
        for t in params:
            t.requires_grad_(False)

        def run():
            with torch.no_grad():
                return model.from_resid(model.embed(ids))
        return run, None

    if mode == "backward":
        for t in params:
            t.requires_grad_(True)

        def prepare():
            for t in params:
                t.grad = None

        def run():
            m = metric(model.from_resid(model.embed(ids)))
            m.backward()
            return m
        return run, prepare

    if mode == "lrp":
        for t in params:
            t.requires_grad_(False)

        def run():
            resid0 = model.embed(ids).requires_grad_(True)
            m = metric(model.from_resid(resid0, rules=True))
            (g,) = torch.autograd.grad(m, resid0)
            return g
        return run, None
    raise ValueError(mode)


def time_torch(torch, model, batch, seq, mode, repeat):
    run, prepare = torch_runner(torch, model, batch, seq, mode)
    return median_time(run, prepare, repeat)


def time_scalpel(binary, batch, seq, mode, repeat, threads, timeout):
    """Returns (median_seconds, None) or (None, reason)."""
    return run_scalpel_binary(binary, ["--batch", batch, "--seq", seq, "--mode", mode, "--repeat", repeat], threads, timeout,
                              {"batch": batch, "seq": seq, "mode": mode})


def parse_rows(text):
    rows = []
    for item in text.split(","):
        item = item.strip().lower()
        if not item.startswith("b") or "t" not in item:
            raise SystemExit(f"bad row {item!r}: expected e.g. b8t512")
        b, t = item[1:].split("t", 1)
        rows.append((int(b), int(t)))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scalpel", help="path to scalpel_bench_gpt2")
    ap.add_argument("--torch-only", action="store_true", help="run PyTorch only, not the binary")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rows", default="b1t128,b8t128,b1t512,b8t512")
    ap.add_argument("--modes", default="forward,backward,lrp")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed per binary call")
    ap.add_argument("--out")
    args = ap.parse_args()
    if not args.torch_only and not args.scalpel:
        ap.error("--scalpel PATH is required unless --torch-only")
    modes = [m.strip() for m in args.modes.split(",")]
    for m in modes:
        if m not in MODES:
            ap.error(f"unknown mode {m!r}; expected {', '.join(MODES)}")
    rows = parse_rows(args.rows)
    cfg = gpt2_small()
    for (b, t) in rows:
        if t > cfg["n_positions"]:
            ap.error(f"seq {t} exceeds n_positions {cfg['n_positions']}")

    import torch
    torch.set_num_threads(args.threads)
    model = GPT2(torch, cfg, make_params(torch, cfg))
    binary = None if args.torch_only else args.scalpel

    command = shlex.join([sys.executable] + sys.argv)
    header = [
        "# GPT-2-small: Scalpel against PyTorch (CPU)",
        "",
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores",
        f"- threads: {args.threads} (torch.set_num_threads; OMP_NUM_THREADS = OPENBLAS_NUM_THREADS for Scalpel)",
        f"- PyTorch {torch.__version__}, Python {platform.python_version()}",
        f"- model: GPT-2-small shape, float32, random weights; {args.repeat} timed runs after 1 warm-up, median",
        f"- command: `{command}`",
        "",
        "| row | mode | PyTorch (ms) | Scalpel (ms) | speed-up (PyTorch / Scalpel) |",
        "|---|---|---|---|---|",
    ]
    print("\n".join(header), flush=True)
    table, notes = [], []
    for (b, t) in rows:
        for mode in modes:
            t_torch, _ = time_torch(torch, model, b, t, mode, args.repeat)
            t_sc, why = time_scalpel(binary, b, t, mode, args.repeat, args.threads, args.timeout)
            sc_cell, speed = result_cells(t_torch, t_sc, why, args.torch_only, f"b{b}t{t} {MODES[mode]}", notes)
            line = f"| b{b}t{t} | {MODES[mode]} | {t_torch * 1e3:.1f} | {sc_cell} | {speed} |"
            table.append(line)
            print(line, flush=True)
    finish_report(header, table, notes, args.torch_only, args.out)

if __name__ == "__main__":
    main()
