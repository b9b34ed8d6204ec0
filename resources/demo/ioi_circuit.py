#!/usr/bin/python3
"""How the IOI demo model solves the task: a quick look at its attention heads.

    /usr/bin/python3 resources/demo/ioi_circuit.py

Reads resources/demo/ioi-gpt2/model.safetensors (float16, computed in float32) and the 32 pairs
of resources/demo/ioi_prompts.jsonl, and prints per head:
  - attention from the last position to IO, S1 and S2 (mean over the prompts),
  - the mean logit difference when the head's output is mean-ablated (mean over the batch, per
    position) at every position,
  - its OV circuit on the names: mean diagonal of LN(wte[name]) W_V W_O wte[names]^T (> 0: the head
    copies the name it attends to into the logits, < 0: it suppresses it) and the mean off-diagonal.
Not a test; it prints numbers for the README.
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train_ioi as t  # noqa: E402
import ioi  # noqa: E402  (train_ioi put scripts/py on sys.path)


def main():
    torch.set_num_threads(1)
    p = {n: x.float() for n, x in t.read_safetensors(os.path.join(t.OUT, "model.safetensors")).items()}
    with open(t.PROMPTS) as f:
        qs = [json.loads(line) for line in f]
    ids = torch.tensor([ioi.encode(q["clean"]) for q in qs])
    ans = torch.tensor([ioi.token_id(q["answer"]) for q in qs])
    wrong = torch.tensor([ioi.token_id(q["wrong"]) for q in qs])
    rows = torch.arange(len(qs))
    io = (ids == ans[:, None]).long().argmax(1)
    s1 = (ids == wrong[:, None]).long().argmax(1)
    s2 = ids.shape[1] - 1 - (ids.flip(1) == wrong[:, None]).long().argmax(1)
    w = p["wte.weight"]

    def ld(**kw):
        h = t.hidden(p, ids, **kw)[:, -1]
        return ((h * w[ans]).sum(-1) - (h * w[wrong]).sum(-1)).mean().item()

    attn = []
    print(f"{len(qs)} prompts, {ids.shape[1]} tokens; clean mean logit diff {ld(attn=attn):.2f}")
    names = torch.tensor([ioi.token_id(" " + n) for n in ioi.NAMES])
    dh = t.D // t.H
    e = F.layer_norm(w[names], (t.D,))
    print("head   last->IO  ->S1  ->S2   LD if mean-ablated   OV diag  off-diag")
    for layer in range(t.L):
        b = f"h.{layer}."
        for h in range(t.H):
            a = attn[layer][:, h, -1]

            def hook(i, z, layer=layer, h=h):
                if i == layer:
                    z = z.clone()
                    z[:, h] = z[:, h].mean(0, keepdim=True)
                return z
            wv = p[b + "attn.c_attn.weight"][:, 2 * t.D + h * dh:2 * t.D + (h + 1) * dh]
            wo = p[b + "attn.c_proj.weight"][h * dh:(h + 1) * dh]
            m = ((e * p[b + "ln_1.weight"] + p[b + "ln_1.bias"]) @ wv @ wo) @ w[names].T
            off = (m.sum() - m.diag().sum()) / (m.numel() - len(names))
            print(f"L{layer}H{h}   {a[rows, io].mean():7.2f} {a[rows, s1].mean():5.2f} {a[rows, s2].mean():5.2f}"
                  f"   {ld(z_hook=hook):18.2f}   {m.diag().mean():+7.2f}  {off:+7.2f}")


if __name__ == "__main__":
    main()
