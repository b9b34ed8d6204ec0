#!/usr/bin/env python3
"""ResNet-18 on this CPU: Scalpel's graph engine (`scalpel_bench_resnet18`) against PyTorch, in the same run.

    nice -n 10 /usr/bin/python3 tests/bench/bench_resnet18.py --scalpel build/bin/scalpel_bench_resnet18 \
        [--threads 2] [--repeat R] [--batch 8] [--size 224] [--modes forward,backward,lrp] [--out FILE] [--torch-only]

Model: ResNet-18 shape written here in plain torch (torchvision is not needed): 7x7/2 stem conv +
BatchNorm + ReLU + 3x3/2 max-pool, four stages of two BasicBlocks (64, 128, 256, 512 channels,
1x1/2 conv + BatchNorm shortcuts where the shape changes), global average pool, Linear 512 -> 1000;
float32, seeded random weights and BatchNorm statistics (timing only). It is exported with
torch.onnx.export (opset 13, eval mode, dynamic batch) into a temporary folder that is deleted
afterwards; the exporter folds every BatchNorm into its convolution. The PyTorch side runs that same
folded network (torch.nn.utils.fusion.fuse_conv_bn_eval), so both sides compute the same graph with
the same weights; the script checks that the folded and unfolded torch models agree.

Modes, each timed around the whole step on a [B, 3, S, S] batch of N(0, 1) pixels:
  forward   logits [B, 1000] (torch.no_grad()).
  backward  forward with autograd, then the gradient of sum over the batch of logit 7 to the input
            and to every parameter (torch: x.requires_grad, metric.backward()).
  lrp       forward + LRP backward under EpsilonPlus (z+ on every conv, epsilon 1e-6 on the Linear,
            ReLU pass, the norm rule at residual adds and the average pool, winner-takes-all
            max-pool) of logit 7 for every example. Scalpel: graph::explainLrp. PyTorch: the same
            rules written out layer by layer in torch (torch_lrp below; no autograd: z+ as two
            convolutions forward and two transposed convolutions back), on the same folded network.

Timing: torch.set_num_threads(--threads, default 2); one warm-up, then the median of --repeat runs
(time.perf_counter). The Scalpel binary is run per mode as
    scalpel_bench_resnet18 --model FILE.onnx --batch B --size S --mode forward|backward --repeat R --threads N
with OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = N and prints one JSON line with "median_seconds".
"""
import argparse
import datetime
import os
import platform
import shlex
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import cpu_model, finish_report, median_time, result_cells, run_scalpel_binary  # noqa: E402

MODES = {"forward": "forward", "backward": "forward+backward", "lrp": "forward+LRP backward"}
CLASS = 7


def build_resnet18(torch, seed=0):
    nn, F = torch.nn, torch.nn.functional

    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.down = None
            if stride != 1 or cin != cout:
                self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            y = F.relu(self.bn1(self.conv1(x)))
            y = self.bn2(self.conv2(y))
            return F.relu(y + (x if self.down is None else self.down(x)))

    class ResNet18(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.pool = nn.MaxPool2d(3, 2, 1)
            stages, cin = [], 64
            for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
                stages.append(nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)))
                cin = cout
            self.stages = nn.Sequential(*stages)
            self.avg = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(512, 1000)

        def forward(self, x):
            x = self.pool(F.relu(self.bn1(self.conv1(x))))
            x = self.avg(self.stages(x))
            return self.fc(torch.flatten(x, 1))

    torch.manual_seed(seed)
    model = ResNet18()
    g = torch.Generator().manual_seed(seed + 1)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.weight.data = torch.rand(n, generator=g) * 0.5 + 0.5
            m.bias.data = torch.randn(n, generator=g) * 0.1
            m.running_mean.data = torch.randn(n, generator=g) * 0.1
            m.running_var.data = torch.rand(n, generator=g) + 0.5
    return model.eval()


def fold_batchnorm(torch, model):
    """Folds every Conv -> BatchNorm pair of the ResNet into the conv (what the ONNX exporter does)."""
    import copy
    from torch.nn.utils.fusion import fuse_conv_bn_eval
    nn = torch.nn
    folded = copy.deepcopy(model)

    def fold(parent, conv_name, bn_name):
        conv, bn = getattr(parent, conv_name), getattr(parent, bn_name)
        setattr(parent, conv_name, fuse_conv_bn_eval(conv, bn))
        setattr(parent, bn_name, nn.Identity())

    fold(folded, "conv1", "bn1")
    for stage in folded.stages:
        for block in stage:
            fold(block, "conv1", "bn1")
            fold(block, "conv2", "bn2")
            if block.down is not None:
                block.down[0] = fuse_conv_bn_eval(block.down[0], block.down[1])
                block.down[1] = nn.Identity()
    return folded.eval()


def torch_runner(torch, model, x, mode):
    params = list(model.parameters())
    if mode == "lrp":
        for p in params:
            p.requires_grad_(False)
        return (lambda: torch_lrp(torch, model, x, CLASS)), None
    if mode == "forward":
        for p in params:
            p.requires_grad_(False)

        def run():
            with torch.no_grad():
                return model(x)
        return run, None
    for p in params:
        p.requires_grad_(True)

    def prepare():
        for p in params:
            p.grad = None

    def run():
        xi = x.clone().requires_grad_(True)
        m = model(xi)[:, CLASS].sum()
        m.backward()
        return xi.grad
    return run, prepare


def torch_lrp(torch, m, x, cls, eps=1e-6):
    """Input relevance of logit `cls` under EpsilonPlus on the BatchNorm-folded ResNet-18."""
    F = torch.nn.functional
    conv_input = torch.nn.grad.conv2d_input

    def stab(z):  # zennit's stabiliser: z + eps * (sign(z) + [z == 0])
        return z + eps * torch.where(z >= 0, torch.ones_like(z), -torch.ones_like(z))

    def zplus(conv, a, R):
        ap, an = a.clamp(min=0), a.clamp(max=0)
        wp, wn = conv.weight.clamp(min=0), conv.weight.clamp(max=0)
        bp = conv.bias.clamp(min=0) if conv.bias is not None else None
        z = F.conv2d(ap, wp, bp, conv.stride, conv.padding) + F.conv2d(an, wn, None, conv.stride, conv.padding)
        s = R / stab(z)
        return ap * conv_input(a.shape, wp, s, conv.stride, conv.padding) + an * conv_input(a.shape, wn, s, conv.stride, conv.padding)

    with torch.no_grad():
        y1 = F.relu(m.conv1(x))
        h = F.max_pool2d(y1, 3, 2, 1)
        blocks = []
        for stage in m.stages:
            for blk in stage:
                t1 = F.relu(blk.conv1(h))
                t2 = blk.conv2(t1)
                sc = h if blk.down is None else blk.down[0](h)
                blocks.append((blk, h, t1, t2, sc))
                h = F.relu(t2 + sc)
        g = h.mean((2, 3))
        logits = m.fc(g)
        R = torch.zeros_like(logits)
        R[:, cls] = logits[:, cls]
        Rg = g * ((R / stab(logits)) @ m.fc.weight)                        # epsilon on the Linear
        Rh = h * (Rg / stab(g * h.shape[2] * h.shape[3]))[:, :, None, None]  # norm rule, average pool
        for blk, hin, t1, t2, sc in reversed(blocks):
            s = Rh / stab(t2 + sc)                                          # norm rule at the add (ReLU passes)
            R_in = zplus(blk.conv1, hin, zplus(blk.conv2, t1, t2 * s))
            R_sc = sc * s
            Rh = R_in + (R_sc if blk.down is None else zplus(blk.down[0], hin, R_sc))
        with torch.enable_grad():  # winner takes all = the max-pool's gradient (overlapping windows add up)
            y1g = y1.detach().requires_grad_(True)
            Ry1 = torch.autograd.grad(F.max_pool2d(y1g, 3, 2, 1), y1g, Rh)[0]
        return zplus(m.conv1, x, Ry1)


def time_torch(torch, model, x, mode, repeat):
    run, prepare = torch_runner(torch, model, x, mode)
    return median_time(run, prepare, repeat)[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scalpel", help="path to scalpel_bench_resnet18")
    ap.add_argument("--torch-only", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--modes", default="forward,backward,lrp")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--out")
    args = ap.parse_args()
    if not args.torch_only and not args.scalpel:
        ap.error("--scalpel PATH is required unless --torch-only")
    modes = [m.strip() for m in args.modes.split(",")]
    for m in modes:
        if m not in MODES:
            ap.error(f"unknown mode {m!r}; expected {', '.join(MODES)}")

    import torch
    torch.set_num_threads(args.threads)
    model = build_resnet18(torch)
    folded = fold_batchnorm(torch, model)
    x = torch.randn(args.batch, 3, args.size, args.size, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        a, b = model(x[:2]), folded(x[:2])
    fold_err = float((a - b).abs().max() / a.abs().max())
    if fold_err > 1e-4:
        raise SystemExit(f"BatchNorm folding changed the outputs by {fold_err:.3g} (relative)")

    binary = None if args.torch_only else args.scalpel
    command = shlex.join([sys.executable] + sys.argv)
    header = [
        "# ResNet-18: Scalpel graph engine against PyTorch (CPU)",
        "",
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores; load average before: "
        + ", ".join(f"{v:.2f}" for v in os.getloadavg()),
        f"- threads: {args.threads} (torch.set_num_threads; OMP_NUM_THREADS = OPENBLAS_NUM_THREADS for Scalpel)",
        f"- PyTorch {torch.__version__}, Python {platform.python_version()}",
        f"- model: ResNet-18 shape, float32, random weights, BatchNorm folded on both sides (torch check: "
        f"{fold_err:.1e}); batch {args.batch} x 3 x {args.size} x {args.size}; {args.repeat} timed runs after 1 warm-up, median",
        f"- command: `{command}`",
        "",
        "| row | mode | PyTorch (ms) | Scalpel (ms) | speed-up (PyTorch / Scalpel) |",
        "|---|---|---|---|---|",
    ]
    print("\n".join(header), flush=True)
    table, notes = [], []
    row = f"b{args.batch} {args.size}²"
    with tempfile.TemporaryDirectory(prefix="scalpel_bench_resnet18_") as tmp:
        path = os.path.join(tmp, "resnet18.onnx")
        torch.onnx.export(model, x[:1], path, opset_version=13, input_names=["x"], output_names=["logits"],
                          dynamic_axes={"x": {0: "N"}, "logits": {0: "N"}})
        for mode in modes:
            t_torch = time_torch(torch, folded, x, mode, args.repeat)
            t_sc, why = run_scalpel_binary(binary, ["--model", path, "--batch", args.batch, "--size", args.size, "--mode", mode,
                                                    "--repeat", args.repeat], args.threads, args.timeout,
                                           {"batch": args.batch, "size": args.size, "mode": mode})
            sc_cell, speed = result_cells(t_torch, t_sc, why, args.torch_only, f"{row} {MODES[mode]}", notes)
            line = f"| {row} | {MODES[mode]} | {t_torch * 1e3:.1f} | {sc_cell} | {speed} |"
            table.append(line)
            print(line, flush=True)
    header[3] += "; after: " + ", ".join(f"{v:.2f}" for v in os.getloadavg())
    finish_report(header, table, notes, args.torch_only, args.out)


if __name__ == "__main__":
    main()
