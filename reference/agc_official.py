"""AGC fixtures from DeepMind's official code (deepmind-research nfnets/optim.py and agc_optax.py) for nfx's tests.

Writes fixtures/agc-official.json: for tensors of every shape class the official `unitwise_norm` treats apart —
tensors that squeeze to <= 1 dimension ([1, C], [1, 1, 1, C], [C, 1], [1, 1, C, 1], [1, 1], [1, 1, C], vectors,
scalars: one unit), rank 2 and 4 (all but the last axis reduced), rank 3 (axis 0 only reduced, also [1, b, c]) —
a parameter W, a gradient G, lambda and eps, and what the official code returns:

  norm_w        optim.unitwise_norm(W): its shape and values (agc_optax.unitwise_norm is checked to be equal)
  clipped       the gradient after optim.SGD_AGC.update_param's clipping lines, run as written: SGD.update_param,
                which it calls next, is replaced by one that hands back the gradient it is given
  clipped_optax agc_optax.adaptive_grad_clip(lambda, eps).update(...), the optax form (checked to be equal)

and `clipped_units`, how many units the official trigger clipped. `--check-torch` (with torch, without JAX) checks that
reference/torch_nfx.py's `unitwise_norm` (the differential test's reference) gives the fixture's official norms. G is drawn so that a tensor of several units has units
that clip and units that do not, none within 1% of the threshold. Arrays are nested lists of float32 values (printed exactly as float64).

optim.py imports haiku, dm-tree and (through utils.py) dill, which `unitwise_norm` and the clip do not use; empty
stand-in modules take their place so that only jax and optax are needed (and agc_optax.py's `jax.tree_map`, gone
from JAX since 0.6, is put back as the alias of `jax.tree_util.tree_map` it was). Run (see reference/README.md):

  PYTHONPATH=/path/to/deepmind-research python reference/agc_official.py --official-commit HASH
  /usr/bin/python3 reference/agc_official.py --check-torch
"""

import argparse
import json
import os
import sys
import types

import numpy as np

jax = jnp = agc_optax = optim = None  # imported by load_official(): --check-torch needs no JAX


def load_official():
    """Imports JAX and the official modules (optim.py's unused imports stood in for, agc_optax's tree_map restored)."""
    global jax, jnp, agc_optax, optim
    for name in ("haiku", "tree", "dill"):
        sys.modules.setdefault(name, types.ModuleType(name))
    import jax
    import jax.numpy as jnp
    from nfnets import agc_optax, optim

    jax.config.update("jax_platforms", "cpu")
    # agc_optax.py calls jax.tree_map, which JAX 0.6 removed; it was an alias of jax.tree_util.tree_map.
    if not hasattr(jax, "tree_map"):
        jax.tree_map = jax.tree_util.tree_map


EPS = 1e-3

# (name, shape, lambda); W ~ N(0, 1).
CASES = [
    ("dense [1,C] (an SE expand layer of hidden width 1)", [1, 6], 0.05),
    ("conv [1,1,1,C] (a 1x1 conv on one input channel)", [1, 1, 1, 5], 0.05),
    ("dense [C,1] (one output)", [6, 1], 0.05),
    ("conv [1,1,C,1]", [1, 1, 4, 1], 0.05),
    ("[1,1]", [1, 1], 0.05),
    ("rank 3 [3,4,2]", [3, 4, 2], 0.05),
    ("rank 3 [1,4,3] (axis 0 has size 1: every element is a unit)", [1, 4, 3], 0.05),
    ("rank 3 [1,1,5] (squeezes to a vector: one unit)", [1, 1, 5], 0.05),
    ("rank 3 [2,1,3]", [2, 1, 3], 0.05),
    ("dense [5,3]", [5, 3], 0.05),
    ("conv HWIO [3,3,2,4]", [3, 3, 2, 4], 0.05),
    ("conv [1,3,3,1] (rank 4, not squeezable: one unit over axes 0-2)", [1, 3, 3, 1], 0.05),
    ("conv [3,3,1,1] (squeezes to [3,3], rank 4: one unit)", [3, 3, 1, 1], 0.05),
    ("vector [5]", [5], 0.05),
    ("scalar []", [], 0.05),
]


def official_clip(w, g, lam, eps):
    """optim.SGD_AGC.update_param's clip, run as written, with SGD.update_param handing the clipped gradient back."""
    real = optim.SGD.update_param
    optim.SGD.update_param = lambda self, param, grad, state, opt_params: (grad, state)
    try:
        out, _ = optim.SGD_AGC.update_param(None, w, g, None, {"clipping": lam, "eps": eps})
    finally:
        optim.SGD.update_param = real
    return np.asarray(out)


def draw_case(rng, name, shape, lam):
    """W, G and the official results. G's units are drawn at 0.2-5x their threshold, and drawn again until none is
    within 1% of it and, with several units, some clip and some do not."""
    w = rng.normal(size=shape).astype(np.float32)
    norm_w = np.asarray(optim.unitwise_norm(jnp.asarray(w)))
    assert np.array_equal(norm_w, np.asarray(agc_optax.unitwise_norm(jnp.asarray(w)))), name
    threshold = np.maximum(norm_w, EPS) * lam
    while True:
        g = rng.normal(size=shape).astype(np.float32)
        ratio = np.exp(rng.uniform(np.log(0.2), np.log(5.0), size=np.shape(threshold)))
        g = (g / np.asarray(optim.unitwise_norm(jnp.asarray(g))) * threshold * ratio).astype(np.float32)
        g_norm = np.asarray(optim.unitwise_norm(jnp.asarray(g)))
        clips = int(np.sum(g_norm > threshold))
        mixed = np.size(threshold) == 1 or 0 < clips < np.size(threshold)
        if mixed and np.all(np.abs(g_norm / threshold - 1) > 0.01):
            break
    clipped = official_clip(jnp.asarray(w), jnp.asarray(g), lam, EPS)
    tx = agc_optax.adaptive_grad_clip(lam, EPS)
    optax_out, _ = tx.update({"p": jnp.asarray(g)}, tx.init(None), {"p": jnp.asarray(w)})
    optax_out = np.asarray(optax_out["p"])
    assert np.allclose(clipped, optax_out, rtol=1e-6, atol=0), name
    return {
        "name": name,
        "shape": shape,
        "lambda": lam,
        "eps": EPS,
        "w": w.tolist(),
        "g": g.tolist(),
        "norm_w": {"shape": list(norm_w.shape), "values": norm_w.tolist()},
        "clipped": clipped.tolist(),
        "clipped_optax": optax_out.tolist(),
        "clipped_units": int(np.sum(g_norm > threshold)),
        "units": int(np.size(threshold)),
    }


def issue_probe():
    """Issue 25 item 5's probe, as given: W [[3,4]], G [[1,0]], lambda 0.1 (official [0.5, 0])."""
    w = np.array([[3, 4]], np.float32)
    g = np.array([[1, 0]], np.float32)
    clipped = official_clip(jnp.asarray(w), jnp.asarray(g), 0.1, EPS)
    norm_w = np.asarray(optim.unitwise_norm(jnp.asarray(w)))
    return {
        "name": "issue 25.5 probe: [[3,4]], G [[1,0]]",
        "shape": [1, 2],
        "lambda": 0.1,
        "eps": EPS,
        "w": w.tolist(),
        "g": g.tolist(),
        "norm_w": {"shape": list(norm_w.shape), "values": norm_w.tolist()},
        "clipped": clipped.tolist(),
        "clipped_units": 1,
        "units": 1,
    }


def check_torch_reference(cases):
    """torch_nfx.py's unitwise_norm (the differential test's reference) gives the official norms on every case."""
    import torch

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch_nfx

    for c in cases:
        got = torch_nfx.unitwise_norm(torch.tensor(np.asarray(c["w"], np.float64)))
        want = np.asarray(c["norm_w"]["values"])
        assert list(got.shape) == c["norm_w"]["shape"], (c["name"], got.shape)
        assert np.allclose(got.numpy(), want, rtol=1e-6, atol=0), c["name"]
    print(f"torch_nfx.unitwise_norm equals the official norm on all {len(cases)} cases")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))
    ap.add_argument("--seed", type=int, default=29)
    ap.add_argument("--official-commit", default="unknown")
    ap.add_argument("--check-torch", action="store_true",
                    help="only check torch_nfx.unitwise_norm against the fixture (needs torch, not JAX)")
    args = ap.parse_args()
    path = os.path.join(args.out, "agc-official.json")
    if args.check_torch:
        with open(path) as f:
            check_torch_reference(json.load(f)["cases"])
        return
    load_official()
    rng = np.random.default_rng(args.seed)
    cases = [issue_probe()] + [draw_case(rng, *c) for c in CASES]
    for c in cases:
        print(f"{c['name']}: norm shape {c['norm_w']['shape']}, {c['clipped_units']} of {c['units']} units clipped")
    doc = {
        "source": "deepmind-research nfnets/optim.py unitwise_norm + SGD_AGC.update_param, nfnets/agc_optax.py",
        "official_commit": args.official_commit,
        "jax": jax.__version__,
        "seed": args.seed,
        "cases": cases,
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
