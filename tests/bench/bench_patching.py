#!/usr/bin/env python3
"""Patching methods on GPT-2-small on this CPU: Scalpel (`scalpel_bench_patching`) against PyTorch.

    /usr/bin/python3 tests/bench/bench_patching.py --scalpel build/bin/scalpel_bench_patching \
        [--threads N] [--repeat R] [--methods ap,atp,relp] [--ap-full] [--out docs/bench_patching.md]
        [--torch-only]

Model: GPT-2-small shape (12 layers, d 768, 12 heads, d_mlp 3072, vocab 50257, gelu_new, LN eps 1e-5,
tied unembedding), float32, random weights (the parameters of tests/bench/bench_gpt2.py; timing only,
the two sides share shapes, not weights). The PyTorch side is a plain implementation written here.

Task (specs/relp.md): batch 8, 16 tokens. clean = random ids; corrupt = clean with the same 3
positions (4, 9, 13) changed to other random ids; answer/wrong = two random ids per example. Metric:
the normalised logit difference at the last position, m_b = (LD_b - mean LD_corrupt) / (mean LD_clean -
mean LD_corrupt), the baselines taken from this run's two unpatched forwards. Direction: denoising
(base = corrupt, source = clean). Components: resid_pre, attn_out, mlp_out ([L,T] each) and head
(z[:, :, h, :], [L,H]): 3*12*16 + 12*12 = 720 nodes. Every method returns per-example maps [B, ...].
Only the last position's logits are formed (ln_f and the unembedding on x[:, -1]), since the metric
reads nothing else; the same in every method.

Methods, each timed as a whole (both unpatched forwards included):
  ap    2 forwards (source cache, base cache + baseline metric), then one batched (B = 8) forward per
        node with the node's slice := source value. By default a node's forward RESUMES from the base
        cache at the node's own hook: resid_pre[l] -> blocks l..11; attn_out[l] or head (l, h) ->
        resid_pre[l] + patched attn_out (head: patched z through c_proj) -> MLP of l -> blocks l+1..11;
        mlp_out[l] -> resid_mid[l] + patched mlp_out -> blocks l+1..11. --ap-full instead runs every
        node's forward from the token embedding (720 full forwards).
  atp   source forward (no grad, activations at the four hooks), base forward with autograd (parameters
        frozen, the graph starts at the embedding output), one backward of sum_b m_b to the four hooks
        of every layer (torch.autograd.grad), then the per-node sums of (a_src - a_base) * grad.
  relp  as atp with the RelP rule set in the value-preserving detach form (relp.md §4): LN-rule on every
        LayerNorm (sigma detached), Identity rule on GELU (value gelu(x), backward through
        zp * detach(gelu(x)/zp), zp = x + 1e-6 (sign x + [x = 0])), exact attention.

Timing: torch.set_num_threads(--threads, default all cores); one warm-up, then the median of --repeat
runs (time.perf_counter). For ap the warm-up is the two forwards plus 24 node forwards (a full AP sweep
takes minutes), for atp/relp one whole run. The Scalpel binary is run per method as
    scalpel_bench_patching --method ap|atp|relp --batch 8 --seq 16 --repeat R --threads N
with OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = N, and must print one JSON line
    {"method": "ap", "median_seconds": x, "runs": [...]}
(its own warm-up and median). If the binary is missing or fails the table says so and keeps the PyTorch
column. --torch-only skips the binary. --out writes the printed report to a file.
Before timing, the script checks on a few nodes that the resumed AP equals AP from the embedding and
that AtP equals the central difference of AP along a small patch (float32 tolerances).
"""
import argparse
import datetime
import math
import os
import platform
import shlex
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import cpu_model, finish_report, result_cells, run_scalpel_binary  # noqa: E402
from bench_gpt2 import all_tensors, gpt2_small, make_params  # noqa: E402

METHODS = {"ap": "activation patching", "atp": "attribution patching", "relp": "RelP"}
BATCH, SEQ = 8, 16
CORRUPT_POSITIONS = (4, 9, 13)
COMPONENTS = ("resid_pre", "attn_out", "mlp_out", "head")
AP_WARMUP_NODES = 24


class Model:
    """Functional GPT-2 with the four node hooks; rules=True applies the RelP detach rules."""

    def __init__(self, torch, cfg, params):
        self.torch, self.F = torch, torch.nn.functional
        self.cfg, self.p = cfg, params
        self.H = cfg["n_head"]
        self.masks = {}

    def embed(self, ids):
        return self.p["wte"][ids] + self.p["wpe"][: ids.shape[1]][None]

    def layer_norm(self, x, ln, rules):
        if not rules:
            return self.F.layer_norm(x, (x.shape[-1],), ln["w"], ln["b"], self.cfg["eps"])
        xc = x - x.mean(-1, keepdim=True)
        sigma = (xc.pow(2).mean(-1, keepdim=True) + self.cfg["eps"]).sqrt()
        return xc / sigma.detach() * ln["w"] + ln["b"]

    def gelu(self, x, rules):
        y = self.F.gelu(x, approximate="tanh")     # gelu_new
        if not rules:
            return y
        torch = self.torch
        zp = x + 1e-6 * (torch.sign(x) + (x == 0).to(x.dtype))
        s = zp * (y / zp).detach()
        return y.detach() + (s - s.detach())       # value exactly gelu(x), backward of the Identity rule

    def causal(self, T):
        if T not in self.masks:
            self.masks[T] = self.torch.triu(self.torch.ones(T, T, dtype=self.torch.bool), diagonal=1)
        return self.masks[T]

    def z(self, x, blk, rules):
        """hook_z as [B, T, H, dh]."""
        torch = self.torch
        B, T, D = x.shape
        dh = D // self.H
        h = self.layer_norm(x, blk["ln_1"], rules)
        qkv = torch.addmm(blk["c_attn"]["b"], h.reshape(B * T, D), blk["c_attn"]["w"]).view(B, T, 3, self.H, dh)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)                      # [B, H, T, dh]
        scores = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(dh))
        pattern = torch.softmax(scores.masked_fill(self.causal(T), float("-inf")), dim=-1)
        return (pattern @ v).transpose(1, 2)

    def attn_out(self, z, blk):
        B, T, H, dh = z.shape
        return self.torch.addmm(blk["attn_proj"]["b"], z.reshape(B * T, H * dh), blk["attn_proj"]["w"]).view(B, T, -1)

    def mlp_out(self, x, blk, rules):
        torch = self.torch
        B, T, D = x.shape
        h = self.layer_norm(x, blk["ln_2"], rules)
        u = self.gelu(torch.addmm(blk["c_fc"]["b"], h.reshape(B * T, D), blk["c_fc"]["w"]), rules)
        return torch.addmm(blk["mlp_proj"]["b"], u, blk["mlp_proj"]["w"]).view(B, T, D)

    def last_logits(self, x, rules=False):
        return self.layer_norm(x[:, -1], self.p["ln_f"], rules) @ self.p["wte"].t()          # [B, vocab]

    def run(self, x, start=0, rules=False, cache=None):
        """Blocks start.. from the residual x entering block `start`; cache (dict of lists) records
        resid_pre, z, attn_out, resid_mid, mlp_out."""
        for l in range(start, len(self.p["blocks"])):
            blk = self.p["blocks"][l]
            z = self.z(x, blk, rules)
            a = self.attn_out(z, blk)
            mid = x + a
            m = self.mlp_out(mid, blk, rules)
            if cache is not None:
                for k, v in (("resid_pre", x), ("z", z), ("attn_out", a), ("resid_mid", mid), ("mlp_out", m)):
                    cache[k].append(v)
            x = mid + m
        return self.last_logits(x, rules)

    def after_attn(self, l, resid_mid):
        """MLP of block l, then blocks l+1.. (resume after a patched attention output)."""
        blk = self.p["blocks"][l]
        return self.run(resid_mid + self.mlp_out(resid_mid, blk, False), l + 1)


def new_cache():
    return {k: [] for k in ("resid_pre", "z", "attn_out", "resid_mid", "mlp_out")}


class Task:
    def __init__(self, torch, vocab, seed=1):
        g = torch.Generator().manual_seed(seed)
        self.clean = torch.randint(0, vocab, (BATCH, SEQ), generator=g)
        self.corrupt = self.clean.clone()
        for p in CORRUPT_POSITIONS:
            self.corrupt[:, p] = (self.clean[:, p] + 1 + torch.randint(0, vocab - 1, (BATCH,), generator=g)) % vocab
        self.answer = torch.randint(0, vocab, (BATCH,), generator=g)
        self.wrong = (self.answer + 1 + torch.randint(0, vocab - 1, (BATCH,), generator=g)) % vocab
        self.rows = torch.arange(BATCH)

    def ld(self, logits):
        return logits[self.rows, self.answer] - logits[self.rows, self.wrong]


class Patching:
    """One denoising sweep: base = corrupt, source = clean."""

    def __init__(self, torch, model, task, ap_full=False):
        self.torch, self.model, self.task, self.ap_full = torch, model, task, ap_full
        self.L, self.H = len(model.p["blocks"]), model.H

    def source(self):
        """Source forward (no grad): hook activations and LD_b."""
        with self.torch.no_grad():
            src = new_cache()
            return src, self.task.ld(self.model.run(self.model.embed(self.task.clean), cache=src))

    def caches(self):
        src, ld_src = self.source()
        with self.torch.no_grad():
            base = new_cache()
            ld_base = self.task.ld(self.model.run(self.model.embed(self.task.corrupt), cache=base))
        c1, c0 = ld_src.mean(), ld_base.mean()
        return src, base, (lambda logits: (self.task.ld(logits) - c0) / (c1 - c0)), (ld_base - c0) / (c1 - c0)

    # ---------------------------------------------------------------------------------------- AP
    def ap_nodes(self):
        for l in range(self.L):
            for comp in ("resid_pre", "attn_out", "mlp_out"):
                for p in range(SEQ):
                    yield comp, l, p
            for h in range(self.H):
                yield "head", l, h

    def ap_node(self, src, base, metric, comp, l, i):
        """metric of the base run with node (comp, l, i) := source value (p for i, or h for head)."""
        model = self.model
        if self.ap_full:
            return self.ap_node_full(src, metric, comp, l, i)
        if comp == "resid_pre":
            x = base["resid_pre"][l].clone()
            x[:, i] = src["resid_pre"][l][:, i]
            return metric(model.run(x, l))
        if comp == "mlp_out":
            m = base["mlp_out"][l].clone()
            m[:, i] = src["mlp_out"][l][:, i]
            return metric(model.run(base["resid_mid"][l] + m, l + 1))
        if comp == "attn_out":
            a = base["attn_out"][l].clone()
            a[:, i] = src["attn_out"][l][:, i]
        else:
            z = base["z"][l].clone()
            z[:, :, i] = src["z"][l][:, :, i]
            a = model.attn_out(z, model.p["blocks"][l])
        return metric(model.after_attn(l, base["resid_pre"][l] + a))

    def ap_node_full(self, src, metric, comp, l, i):
        """The same node's forward from the token embedding (patch applied at the hook)."""
        model = self.model
        x = model.embed(self.task.corrupt)
        for j, blk in enumerate(model.p["blocks"]):
            if j == l and comp == "resid_pre":
                x = x.clone()
                x[:, i] = src["resid_pre"][l][:, i]
            z = model.z(x, blk, False)
            if j == l and comp == "head":
                z = z.clone()
                z[:, :, i] = src["z"][l][:, :, i]
            a = model.attn_out(z, blk)
            if j == l and comp == "attn_out":
                a = a.clone()
                a[:, i] = src["attn_out"][l][:, i]
            x = x + a
            m = model.mlp_out(x, blk, False)
            if j == l and comp == "mlp_out":
                m = m.clone()
                m[:, i] = src["mlp_out"][l][:, i]
            x = x + m
        return metric(model.last_logits(x))

    def ap(self, max_nodes=None):
        torch = self.torch
        src, base, metric, m_base = self.caches()
        maps = {"resid_pre": torch.zeros(BATCH, self.L, SEQ), "attn_out": torch.zeros(BATCH, self.L, SEQ),
                "mlp_out": torch.zeros(BATCH, self.L, SEQ), "head": torch.zeros(BATCH, self.L, self.H)}
        with torch.no_grad():
            for n, (comp, l, i) in enumerate(self.ap_nodes()):
                if max_nodes is not None and n >= max_nodes:
                    break
                maps[comp][:, l, i] = self.ap_node(src, base, metric, comp, l, i) - m_base
        return maps

    # ----------------------------------------------------------------------------------- AtP, RelP
    def attribution(self, rules):
        torch, model, task = self.torch, self.model, self.task
        src, ld_src = self.source()
        cache = new_cache()
        x0 = model.embed(task.corrupt).requires_grad_(True)   # parameters frozen: the graph starts here
        ld_base = task.ld(model.run(x0, rules=rules, cache=cache))
        c1, c0 = ld_src.mean(), ld_base.detach().mean()
        metric = ((ld_base - c0) / (c1 - c0)).sum()
        hooks = [(k, l) for l in range(self.L) for k in ("resid_pre", "attn_out", "mlp_out", "z")]
        grads = torch.autograd.grad(metric, [cache[k][l] for k, l in hooks])
        per_l = {c: [] for c in COMPONENTS}
        with torch.no_grad():
            for (k, l), g in zip(hooks, grads):
                prod = (src[k][l] - cache[k][l]) * g
                if k == "z":
                    per_l["head"].append(prod.sum((1, 3)))           # [B, H]
                else:
                    per_l[k].append(prod.sum(-1))                    # [B, T]
        return {c: torch.stack(v, 1) for c, v in per_l.items()}


def self_check(torch, pt):
    """Resumed AP == AP from the embedding; AtP == central difference of AP along a small patch."""
    src, base, metric, m_base = pt.caches()
    atp = pt.attribution(rules=False)
    full = Patching(torch, pt.model, pt.task, ap_full=True)
    h = 1e-2
    with torch.no_grad():
        for comp, l, i in (("resid_pre", 5, 9), ("attn_out", 3, 13), ("mlp_out", 10, 15), ("head", 7, 4)):
            a = pt.ap_node(src, base, metric, comp, l, i)
            b = full.ap_node(src, base, metric, comp, l, i)
            assert float((a - b).abs().max()) < 1e-3 * max(1.0, float(b.abs().max())), (comp, l, i, a, b)
            key = "z" if comp == "head" else comp
            fd = []
            for sgn in (1, -1):
                small = {k: [t.clone() for t in v] for k, v in base.items()}
                small[key][l] = base[key][l] + sgn * h * (src[key][l] - base[key][l])
                fd.append(pt.ap_node(small, base, metric, comp, l, i))
            fd = (fd[0] - fd[1]) / (2 * h)
            est = atp[comp][:, l, i]
            assert float((fd - est).abs().max()) < 2e-2 * max(1e-3, float(est.abs().max())), (comp, l, i, fd, est)


def time_torch(torch, pt, method, repeat):
    if method == "ap":
        run = pt.ap
        warm = lambda: pt.ap(max_nodes=AP_WARMUP_NODES)     # noqa: E731
    elif method == "atp":
        run = warm = lambda: pt.attribution(rules=False)    # noqa: E731
    else:
        run = warm = lambda: pt.attribution(rules=True)     # noqa: E731
    warm()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = run()
        runs.append(time.perf_counter() - t0)
        del out
    return statistics.median(runs), runs


def time_scalpel(binary, method, repeat, threads, timeout):
    """Returns (median_seconds, None) or (None, reason)."""
    return run_scalpel_binary(binary, ["--method", method, "--batch", BATCH, "--seq", SEQ, "--repeat", repeat], threads,
                              timeout, {"method": method})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scalpel", help="path to scalpel_bench_patching")
    ap.add_argument("--torch-only", action="store_true", help="run PyTorch only, not the binary")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--methods", default="ap,atp,relp")
    ap.add_argument("--ap-full", action="store_true", help="PyTorch AP runs every node from the embedding")
    ap.add_argument("--no-check", action="store_true", help="skip the self-check before timing")
    ap.add_argument("--timeout", type=float, default=7200, help="seconds allowed per binary call")
    ap.add_argument("--out")
    args = ap.parse_args()
    if not args.torch_only and not args.scalpel:
        ap.error("--scalpel PATH is required unless --torch-only")
    methods = [m.strip() for m in args.methods.split(",")]
    for m in methods:
        if m not in METHODS:
            ap.error(f"unknown method {m!r}; expected {', '.join(METHODS)}")

    import torch
    torch.set_num_threads(args.threads)
    cfg = gpt2_small()
    params = make_params(torch, cfg)
    for t in all_tensors(params):
        t.requires_grad_(False)
    model = Model(torch, cfg, params)
    task = Task(torch, cfg["vocab"])
    pt = Patching(torch, model, task, ap_full=args.ap_full)
    if not args.no_check:
        self_check(torch, pt)
    binary = None if args.torch_only else args.scalpel
    n_nodes = sum(1 for _ in pt.ap_nodes())

    command = shlex.join([sys.executable] + sys.argv)
    ap_mode = ("every node's forward from the token embedding (--ap-full)" if args.ap_full else
               "each node's forward resumes from the base cache at the node's hook")
    header = [
        "# Patching methods on GPT-2-small: Scalpel against PyTorch (CPU)",
        "",
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores",
        f"- threads: {args.threads} (torch.set_num_threads; OMP_NUM_THREADS = OPENBLAS_NUM_THREADS for Scalpel)",
        f"- PyTorch {torch.__version__}, Python {platform.python_version()}",
        f"- model: GPT-2-small shape, float32, random weights; batch {BATCH}, {SEQ} tokens, corrupt = clean with "
        f"positions {list(CORRUPT_POSITIONS)} changed; denoising; normalised logit-difference metric",
        f"- nodes: resid_pre + attn_out + mlp_out [12x{SEQ}] + head [12x12] = {n_nodes}; per-example maps",
        f"- PyTorch AP: 2 forwards + {n_nodes} batched node forwards, {ap_mode}; AtP/RelP: 2 forwards + 1 backward",
        f"- timing: {args.repeat} timed runs after 1 warm-up (AP warm-up: {AP_WARMUP_NODES} nodes), median",
        f"- command: `{command}`",
        "",
        "| method | PyTorch (ms) | Scalpel (ms) | speed-up (PyTorch / Scalpel) |",
        "|---|---|---|---|",
    ]
    print("\n".join(header), flush=True)
    table, notes = [], []
    for method in methods:
        t_torch, _ = time_torch(torch, pt, method, args.repeat)
        t_sc, why = time_scalpel(binary, method, args.repeat, args.threads, args.timeout)
        sc_cell, speed = result_cells(t_torch, t_sc, why, args.torch_only, method, notes)
        line = f"| {method} ({METHODS[method]}) | {t_torch * 1e3:.1f} | {sc_cell} | {speed} |"
        table.append(line)
        print(line, flush=True)
    finish_report(header, table, notes, args.torch_only, args.out)

if __name__ == "__main__":
    main()
