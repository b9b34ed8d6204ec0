"""Writes resources/demo/ioi.scalpel: the demo session (format: docs/formats.md, Sessions).

Run by make_demo_session.sh after the result files exist. The text is canonical as Scalpel
writes it (sorted keys, two-space indent, trailing newline), so opening and saving the session
in the workbench gives the same bytes.
"""
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def doc(kind, path, view, parameters=None):
    full = os.path.join(HERE, path)
    with open(full, "rb") as f:
        data = f.read()
    return {"kind": kind, "path": path, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "parameters": parameters or {}, "view": view}


def style(colormap="auto", scale="linear", gamma=0.5):
    return {"colormap": colormap, "scale": scale, "gamma": gamma}


session = {
    "scalpel_session": 1,
    "current": 2,
    "documents": [
        doc("tensor-file", "ioi-gpt2/model.safetensors",
            {"tensor": "h.0.attn.c_attn.weight", "slice": [], "style": style(),
             "zoom": [1.0, 0.0, 0.0], "lock": None}),
        doc("activation-dump", "results/ioi_activations.h5",
            {"family": "hook_resid_pre", "example": 0, "reducer": "l2", "feature": 0,
             "style": style("magma"), "zoom": [1.0, 0.0, 0.0], "lock": [3, 14]}),
        doc("patching-result", "results/ioi_patching.h5",
            {"component": "head", "example": -1, "shared_scale": True, "style": style(), "pin": None}),
    ],
}
with open(os.path.join(HERE, "ioi.scalpel"), "w", encoding="utf-8") as f:
    f.write(json.dumps(session, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
