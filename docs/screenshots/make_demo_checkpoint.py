# Writes /tmp/toy_gpt.safetensors: a small GPT-2-shaped checkpoint with a structured 64x96
# matrix (h.0.attn.c_attn.weight, with an outlier column 40) for the inspector screenshot.
import json, struct, numpy as np
rng = np.random.default_rng(1)
r, c = np.mgrid[0:64, 0:96]
W = (np.sin(r / 7.0) * np.cos(c / 11.0) + 0.25 * np.sin((r + c) / 5.0) + 0.05 * rng.standard_normal((64, 96))).astype(np.float32)
W[:, 40] += 1.2  # an outlier column
tensors = {
  "wte.weight": (0.1 * rng.standard_normal((512, 64))).astype(np.float32),
  "wpe.weight": (0.02 * np.sin(np.arange(128)[:, None] / (10000 ** (np.arange(64)[None, :] / 64)))).astype(np.float32),
}
for l in range(2):
  tensors[f"h.{l}.ln_1.weight"] = (1 + 0.1 * rng.standard_normal(64)).astype(np.float32)
  tensors[f"h.{l}.attn.c_attn.weight"] = (W if l == 0 else 0.1 * rng.standard_normal((64, 96))).astype(np.float32)
  tensors[f"h.{l}.attn.c_attn.bias"] = (0.01 * rng.standard_normal(96)).astype(np.float32)
  tensors[f"h.{l}.mlp.c_fc.weight"] = (0.1 * rng.standard_normal((64, 256))).astype(np.float32)
  tensors[f"h.{l}.attn.pattern"] = np.abs(rng.standard_normal((4, 16, 16))).astype(np.float32)
tensors["ln_f.weight"] = np.ones(64, np.float32)
header, blobs, off = {}, [], 0
for k, v in tensors.items():
    b = v.tobytes(); header[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [off, off + len(b)]}; blobs.append(b); off += len(b)
h = json.dumps(header).encode(); h += b" " * ((8 - len(h) % 8) % 8)
open("/tmp/toy_gpt.safetensors", "wb").write(struct.pack("<Q", len(h)) + h + b"".join(blobs))

