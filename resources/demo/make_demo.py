#!/usr/bin/env python3
"""Builds the bundled demo checkpoint: a small MLP that classifies a three-armed spiral.

    /usr/bin/python3 resources/demo/make_demo.py

Writes resources/demo/demo_mlp.safetensors (float32, ~20 KB). The weights are trained, not
random, so the tensor inspector shows real structure. Deterministic (fixed seeds)."""
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "py"))
import safetensors_write  # noqa: E402


def spiral(n_per_class=300, classes=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    xs, ys = [], []
    for c in range(classes):
        r = torch.linspace(0.05, 1.0, n_per_class)
        t = torch.linspace(c * 2 * math.pi / classes, c * 2 * math.pi / classes + 3.5, n_per_class)
        t = t + 0.15 * torch.randn(n_per_class, generator=g)
        xs.append(torch.stack([r * torch.sin(t), r * torch.cos(t)], 1))
        ys.append(torch.full((n_per_class,), c))
    return torch.cat(xs), torch.cat(ys)


def main():
    torch.manual_seed(0)
    x, y = spiral()
    model = torch.nn.Sequential(torch.nn.Linear(2, 48), torch.nn.ReLU(), torch.nn.Linear(48, 48), torch.nn.ReLU(),
                                torch.nn.Linear(48, 3))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for step in range(1500):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    acc = (model(x).argmax(1) == y).float().mean().item()
    print(f"spiral MLP: loss {loss.item():.4f}, train accuracy {acc:.3f}")
    names = {"0": "input", "2": "hidden", "4": "output"}
    tensors = {f"{names[k.split('.')[0]]}.{k.split('.')[1]}": v.detach() for k, v in model.state_dict().items()}
    safetensors_write.write(os.path.join(HERE, "demo_mlp.safetensors"), tensors,
                            {"format": "pt", "task": "3-class spiral", "train_accuracy": f"{acc:.3f}",
                             "generator": "resources/demo/make_demo.py"})


if __name__ == "__main__":
    main()
