#!/usr/bin/python3
"""Trains the bundled IOI demo model: a small GPT-2 (real GPT-2 vocabulary and tokenizer) that
solves indirect-object identification (Wang et al. 2022) by attending back to the names.

    /usr/bin/python3 resources/demo/train_ioi.py        (one CPU thread; about 5 minutes)

Writes resources/demo/ioi-gpt2/:
  config.json            Hugging Face GPT-2 config (n_embd 64, n_head 4, n_layer 4, n_positions 64)
  model.safetensors      float16, hub names without "transformer." (Conv1D weights [in, out]),
                         no lm_head (tied to wte)
  vocab.json, merges.txt the GPT-2 tokenizer under its Hugging Face names, derived from
                         ../shared/real/gpt2_tokenizer/encoder.json and vocab.bpe
  LICENSE.gpt2-tokenizer that folder's LICENSE
  training.json          settings, losses and the held-out evaluation of the float16 weights
and resources/demo/ioi_prompts.jsonl (32 held-out clean/corrupt pairs, ABC corruption, all of
one token length: the relevance-patching demo input).

Prompts come from scripts/py/ioi.py and are tokenized with the real GPT-2 BPE, prefixed with BOS
"<|endoftext|>" (id 50256). Loss: cross-entropy over the full vocabulary of the IO name at the
last position, plus LM_WEIGHT x next-token cross-entropy at LM_POSITIONS random earlier positions
per prompt (keeps the model GPT-like). Full-vocabulary logits are computed only at those
positions. Deterministic: fixed seeds, one thread.
"""
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts", "py"))
import ioi  # noqa: E402
import safetensors_write  # noqa: E402

OUT = os.path.join(HERE, "ioi-gpt2")
PROMPTS = os.path.join(HERE, "ioi_prompts.jsonl")

SEED = 0
V, P, D, H, L = 50257, 64, 64, 4, 4
INNER = 4 * D
EPS = 1e-5
STEPS = 1500
BATCH = 64
LR = 3e-3
WARMUP = 200
WEIGHT_DECAY = 0.01
LM_WEIGHT = 0.2
LM_POSITIONS = 2
EVAL_N = 2000

CONFIG = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": V, "n_positions": P,
          "n_ctx": P, "n_embd": D, "n_layer": L, "n_head": H, "n_inner": None,
          "activation_function": "gelu_new", "layer_norm_epsilon": EPS, "bos_token_id": ioi.BOS_ID,
          "eos_token_id": ioi.BOS_ID}


# ---- model: GPT-2 with parameters kept in the Hugging Face layout (Conv1D weights are [in, out])

def init_params(gen):
    def normal(*shape, std=0.02):
        return torch.randn(*shape, generator=gen) * std

    proj_std = 0.02 / math.sqrt(2 * L)   # GPT-2's scaling of the residual projections
    p = {"wte.weight": normal(V, D), "wpe.weight": normal(P, D, std=0.01)}
    for i in range(L):
        b = f"h.{i}."
        p[b + "ln_1.weight"], p[b + "ln_1.bias"] = torch.ones(D), torch.zeros(D)
        p[b + "attn.c_attn.weight"], p[b + "attn.c_attn.bias"] = normal(D, 3 * D), torch.zeros(3 * D)
        p[b + "attn.c_proj.weight"], p[b + "attn.c_proj.bias"] = normal(D, D, std=proj_std), torch.zeros(D)
        p[b + "ln_2.weight"], p[b + "ln_2.bias"] = torch.ones(D), torch.zeros(D)
        p[b + "mlp.c_fc.weight"], p[b + "mlp.c_fc.bias"] = normal(D, INNER), torch.zeros(INNER)
        p[b + "mlp.c_proj.weight"], p[b + "mlp.c_proj.bias"] = normal(INNER, D, std=proj_std), torch.zeros(D)
    p["ln_f.weight"], p["ln_f.bias"] = torch.ones(D), torch.zeros(D)
    return p


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def hidden(p, ids, attn=None, z_hook=None):
    """Final hidden states LN_f(x) [B, T, D]; logits at any position are hidden @ wte^T.
    attn: a list that receives each layer's pattern [B, H, T, T]; z_hook(layer, z) may return a
    replacement for the heads' outputs z [B, H, T, dh] (ablations in ioi_circuit.py)."""
    B, T = ids.shape
    dh = D // H
    x = p["wte.weight"][ids] + p["wpe.weight"][:T]
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    for i in range(L):
        b = f"h.{i}."
        h = F.layer_norm(x, (D,), p[b + "ln_1.weight"], p[b + "ln_1.bias"], EPS)
        qkv = h @ p[b + "attn.c_attn.weight"] + p[b + "attn.c_attn.bias"]
        q, k, v = (t.view(B, T, H, dh).transpose(1, 2) for t in qkv.split(D, dim=2))
        s = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
        a = s.masked_fill(~mask, float("-inf")).softmax(-1)
        z = a @ v
        if attn is not None:
            attn.append(a)
        if z_hook is not None:
            z = z_hook(i, z)
        z = z.transpose(1, 2).reshape(B, T, D)
        x = x + z @ p[b + "attn.c_proj.weight"] + p[b + "attn.c_proj.bias"]
        h = F.layer_norm(x, (D,), p[b + "ln_2.weight"], p[b + "ln_2.bias"], EPS)
        m = gelu_new(h @ p[b + "mlp.c_fc.weight"] + p[b + "mlp.c_fc.bias"])
        x = x + m @ p[b + "mlp.c_proj.weight"] + p[b + "mlp.c_proj.bias"]
    return F.layer_norm(x, (D,), p["ln_f.weight"], p["ln_f.bias"], EPS)


# ---- data

def batch(prompts):
    """Right-padded token ids (causal attention: padding never reaches a real position), the
    index of each prompt's last token, answer and wrong ids."""
    seqs = [ioi.encode(q["clean"]) for q in prompts]
    T = max(len(s) for s in seqs)
    if T > P:
        raise ValueError(f"prompt of {T} tokens exceeds n_positions {P}")
    ids = torch.full((len(seqs), T), ioi.BOS_ID, dtype=torch.long)
    for r, s in enumerate(seqs):
        ids[r, :len(s)] = torch.tensor(s)
    last = torch.tensor([len(s) - 1 for s in seqs])
    ans = torch.tensor([ioi.token_id(q["answer"]) for q in prompts])
    wrong = torch.tensor([ioi.token_id(q["wrong"]) for q in prompts])
    return ids, last, ans, wrong


@torch.no_grad()
def evaluate(p, prompts, chunk=250):
    """Accuracy (logit(IO) > logit(S)), mean logit difference, and how often IO is the top token
    of the whole vocabulary, at the last position."""
    lds, top1 = [], []
    for c in range(0, len(prompts), chunk):
        ids, last, ans, wrong = batch(prompts[c:c + chunk])
        h = hidden(p, ids)[torch.arange(len(ids)), last]
        w = p["wte.weight"]
        lds.append((h * w[ans]).sum(-1) - (h * w[wrong]).sum(-1))
        top1.append((h @ w.T).argmax(-1) == ans)
    ld, top1 = torch.cat(lds), torch.cat(top1)
    return {"n": len(prompts), "accuracy": round((ld > 0).float().mean().item(), 4),
            "mean_logit_diff": round(ld.mean().item(), 4), "min_logit_diff": round(ld.min().item(), 4),
            "top1_accuracy": round(top1.float().mean().item(), 4)}


@torch.no_grad()
def logit_diffs(p, texts, ans, wrong):
    seqs = [ioi.encode(t) for t in texts]
    ids = torch.tensor(seqs)   # equal lengths
    h = hidden(p, ids)[:, -1]
    w = p["wte.weight"]
    return ((h * w[ans]).sum(-1) - (h * w[wrong]).sum(-1)).tolist()


def eval_sets():
    """Held-out sets: unseen {IO, S} combinations, on train templates and on each held-out template."""
    sets = {"heldout_pairs_train_templates": ioi.generate(EVAL_N, 1001, templates=ioi.TRAIN_TEMPLATES, pairs="heldout"),
            "heldout_pairs_heldout_templates": ioi.generate(EVAL_N, 1002, templates=ioi.HELDOUT_TEMPLATES,
                                                            pairs="heldout")}
    for j, t in enumerate(ioi.HELDOUT_TEMPLATES):
        sets[f"heldout_template_{j}"] = ioi.generate(EVAL_N // 2, 1003 + j, templates=[t], pairs="heldout")
    sets["s2swap_corrupt_heldout"] = [
        {"clean": q["corrupt"], "answer": q["wrong"], "wrong": q["answer"]}
        for q in ioi.generate(EVAL_N, 1010, templates=ioi.HELDOUT_TEMPLATES, pairs="heldout", corruption="s2swap")]
    return sets


def demo_prompts(n=32):
    """n held-out pairs (held-out templates and name pairs, ABC corruption), all of one token length."""
    cands = ioi.generate(20 * n, 7, templates=ioi.HELDOUT_TEMPLATES, pairs="heldout", corruption="abc")
    ioi.check_pairs(cands)
    lengths = [len(ioi.encode(q["clean"])) for q in cands]
    target = max(set(lengths), key=lambda t: (lengths.count(t), -t))
    out = [q for q, t in zip(cands, lengths) if t == target][:n]
    assert len(out) == n
    return out, target


# ---- safetensors read-back (the writer is scripts/py/safetensors_write.py)

def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    dtypes = {"F16": torch.float16, "F32": torch.float32}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        buf = bytearray(raw[8 + n + a:8 + n + b])
        out[name] = torch.frombuffer(buf, dtype=dtypes[info["dtype"]]).reshape(info["shape"]).clone()
    return out


def write_tokenizer():
    src = os.path.join(ioi.tokenizer_dir())
    with open(os.path.join(src, "encoder.json"), "rb") as f:
        enc_raw = f.read()
    with open(os.path.join(src, "vocab.bpe"), "rb") as f:
        bpe_raw = f.read()
    with open(os.path.join(src, "LICENSE"), "rb") as f:
        lic = f.read()
    # Same content under the Hugging Face names; checked, not reinterpreted.
    vocab = json.loads(enc_raw)
    assert len(vocab) == V and sorted(vocab.values()) == list(range(V)) and vocab["<|endoftext|>"] == ioi.BOS_ID
    lines = bpe_raw.decode("utf-8").split("\n")
    assert lines[0].startswith("#version") and len([x for x in lines[1:] if x]) == 50000
    for name, data in (("vocab.json", enc_raw), ("merges.txt", bpe_raw), ("LICENSE.gpt2-tokenizer", lic)):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


def main():
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    ioi.check_single_tokens()
    gen = torch.Generator().manual_seed(SEED)
    params = init_params(gen)
    for t in params.values():
        t.requires_grad_(True)
    decay = [t for n, t in params.items() if t.dim() == 2 and not n.startswith(("wte", "wpe"))]
    no_decay = [t for n, t in params.items() if not (t.dim() == 2 and not n.startswith(("wte", "wpe")))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                             {"params": no_decay, "weight_decay": 0.0}], lr=LR, betas=(0.9, 0.98))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / WARMUP) * 0.5 * (1 + math.cos(math.pi * min(s, STEPS) / STEPS)))
    sets = eval_sets()
    t0 = time.time()
    hist, log = [], []
    for step in range(STEPS):
        prompts = ioi.generate(BATCH, SEED * 1_000_003 + step, templates=ioi.TRAIN_TEMPLATES, pairs="train")
        ids, last, ans, _ = batch(prompts)
        h = hidden(params, ids)
        w = params["wte.weight"]
        rows = torch.arange(len(ids))
        ioi_loss = F.cross_entropy(h[rows, last] @ w.T, ans)
        # LM loss at LM_POSITIONS random positions before the last (targets: the next prompt token).
        pos = (torch.rand(len(ids), LM_POSITIONS, generator=gen) * last[:, None]).long()
        r = rows[:, None].expand_as(pos)
        lm_loss = F.cross_entropy(h[r, pos].reshape(-1, D) @ w.T, ids[r, pos + 1].reshape(-1))
        loss = ioi_loss + LM_WEIGHT * lm_loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(params.values()), 1.0)
        opt.step()
        sched.step()
        hist.append((ioi_loss.item(), lm_loss.item()))
        if step % 250 == 0 or step == STEPS - 1:
            e = evaluate(params, sets["heldout_pairs_heldout_templates"][:500])
            k = hist[-100:]
            line = {"step": step, "ioi_loss": round(sum(a for a, _ in k) / len(k), 4),
                    "lm_loss": round(sum(b for _, b in k) / len(k), 4), "heldout": e,
                    "seconds": round(time.time() - t0, 1)}
            log.append(line)
            print(json.dumps(line), flush=True)
    train_seconds = time.time() - t0

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")
    safetensors_write.write(os.path.join(OUT, "model.safetensors"),
                            {n: t.detach().to(torch.float16) for n, t in params.items()},
                            metadata={"format": "pt"})
    write_tokenizer()

    # Evaluate what was written: the float16 weights read back from disk, in float32.
    p16 = {n: t.float() for n, t in read_safetensors(os.path.join(OUT, "model.safetensors")).items()}
    assert set(p16) == set(params)
    results = {name: evaluate(p16, s) for name, s in sets.items()}
    results["train_distribution"] = evaluate(p16, ioi.generate(EVAL_N, 999, pairs="train"))

    demo, demo_len = demo_prompts()
    with open(PROMPTS, "w") as f:
        for q in demo:
            f.write(json.dumps({k: q[k] for k in ("clean", "corrupt", "answer", "wrong")}) + "\n")
    ans = [ioi.token_id(q["answer"]) for q in demo]
    wrong = [ioi.token_id(q["wrong"]) for q in demo]
    ld_clean = logit_diffs(p16, [q["clean"] for q in demo], ans, wrong)
    ld_corrupt = logit_diffs(p16, [q["corrupt"] for q in demo], ans, wrong)

    k = hist[-100:]
    info = {
        "seed": SEED, "steps": STEPS, "batch": BATCH, "lr": LR, "warmup": WARMUP, "schedule": "cosine",
        "optimizer": "AdamW(betas=(0.9, 0.98))", "weight_decay": WEIGHT_DECAY, "grad_clip": 1.0,
        "lm_weight": LM_WEIGHT, "lm_positions_per_prompt": LM_POSITIONS,
        "bos": "every prompt starts with <|endoftext|> (id 50256)",
        "train_templates": len(ioi.TRAIN_TEMPLATES), "heldout_templates": ioi.HELDOUT_TEMPLATES,
        "names": len(ioi.NAMES), "heldout_name_pairs": len(ioi.HELDOUT_PAIRS),
        "final_train_ioi_loss": round(hist[-1][0], 4), "final_train_lm_loss": round(hist[-1][1], 4),
        "final_train_ioi_loss_mean_last_100": round(sum(a for a, _ in k) / len(k), 4),
        "final_train_lm_loss_mean_last_100": round(sum(b for _, b in k) / len(k), 4),
        "train_seconds": round(train_seconds, 1), "threads": 1, "torch": torch.__version__,
        "eval_weights": "model.safetensors (float16) read back, computed in float32",
        "eval": results,
        "demo_prompts": {"file": "resources/demo/ioi_prompts.jsonl", "n": len(demo), "tokens_with_bos": demo_len,
                         "mean_logit_diff_clean": round(sum(ld_clean) / len(demo), 4),
                         "mean_logit_diff_corrupt": round(sum(ld_corrupt) / len(demo), 4),
                         "accuracy_clean": sum(x > 0 for x in ld_clean) / len(demo)},
        "log": log,
    }
    with open(os.path.join(OUT, "training.json"), "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    print(json.dumps({k: info[k] for k in ("final_train_ioi_loss", "train_seconds", "eval", "demo_prompts")},
                     indent=1))


if __name__ == "__main__":
    main()
