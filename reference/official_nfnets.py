"""Fixtures made with DeepMind's official NFNet code (deepmind-research/nfnets, JAX/Haiku) for nfx's tests.

Writes, into --out (default: reference/fixtures next to this script):

  official-counts.json   For every official variant nfx offers (NFNet-F0…F7, NF-ResNet-50/101): the official
                         parameter count, every tensor's official name ("module/param", Haiku's names) and shape,
                         and for NFNets the official `count_flops` at the variant's test resolution. Shapes come
                         from `jax.eval_shape`, so nothing of the full-size networks is allocated.
  official-inputs.json   Two input batches, NHWC float32: 2x64x64x3 and 2x70x54x3. The second gives odd feature-map
                         sizes from the first conv on (35x27; NFNet stages 18x14, 9x7, 5x4, 3x2; NF-ResNet max-pool
                         to 18x14, then 9x7, 5x4, 3x2): 'SAME' padding of every strided conv and pool is exercised.
  official-<net>.json    A width-reduced official NFNet and NF-ResNet: the constructor arguments, every parameter
                         (random init, then every gain, bias and skip gain drawn non-zero, so no branch of the
                         network is silent) with its official initializer, the nfx model config that builds the
                         same network, and the official logits in eval mode (`is_training=False`) for each input
                         batch.

Arrays are stored as base64 of little-endian float32 with their shape, so a reader needs only a JSON parser.

Run (see reference/README.md for getting the official code and a venv):
  PYTHONPATH=/path/to/deepmind-research python reference/official_nfnets.py
"""

import argparse
import base64
import json
import os
import subprocess

import haiku as hk
import jax
import jax.numpy as jnp
import numpy as np
from nfnets import base
from nfnets import nf_resnet
from nfnets import nfnet

jax.config.update("jax_platforms", "cpu")
jax.config.update("jax_default_matmul_precision", "highest")

NUM_CLASSES_FULL = 1000
NUM_CLASSES_TINY = 10

# nfx variant name -> (official model, official variant). These are all the official variants nfx offers.
OFFICIAL_VARIANTS = {
    **{f"nfnet-f{i}": ("NFNet", f"F{i}") for i in range(8)},
    "nf-resnet-50": ("NF_ResNet", "ResNet50"),
    "nf-resnet-101": ("NF_ResNet", "ResNet101"),
}

# Width-reduced rows in the official code's own table format (`base.nfnet_params`, `NF_ResNet.variant_dict`).
# Depths [1, 2, 1, 1] give a channel-changing unstrided first block (1x1 projection), strided transition blocks
# (NFNet: avg-pool + 1x1; NF-ResNet: strided 1x1) and one identity-shortcut block.
TINY_NFNET_ROW = {
    "width": [16, 32, 48, 64],
    "depth": [1, 2, 1, 1],
    "group_width": [8, 8, 8, 8],
    "train_imsize": 64,
    "test_imsize": 64,
    "RA_level": "405",
    "drop_rate": 0.2,
}
TINY_RESNET_ROW = {"depth": [1, 2, 1, 1]}


class ExactQuarter:
  """NF_ResNet's `width` for widths 64w…512w = 16, 32, 64, 128 and a 16w = 4-channel stem.

  The official NF_ResNet multiplies its base widths (16 and 64, 128, 256, 512) by an integer `width` (4 for
  NF-ResNet-50); a float 0.25 would leave float channel counts in the conv shapes, which JAX rejects. This
  object's product with an integer is that integer divided by 4 exactly, so the official code runs unchanged.
  """

  def __rmul__(self, n):
    q, r = divmod(n, 4)
    assert r == 0, n
    return q

  __mul__ = __rmul__

  def __repr__(self):
    return "1/4"


TINY_RESNET_WIDTH = ExactQuarter()

INPUT_SHAPES = [(2, 64, 64, 3), (2, 70, 54, 3)]


def b64(a):
  return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def packed(a):
  a = np.asarray(a, dtype=np.float32)
  return {"shape": list(a.shape), "data": b64(a)}


def flat(params):
  """Haiku's {module: {param: array}} as {"module/param": array}, sorted by name."""
  return dict(sorted((f"{m}/{p}", v) for m in params for p, v in params[m].items()))


def full_model(model, variant):
  if model == "NFNet":
    return lambda: nfnet.NFNet(num_classes=NUM_CLASSES_FULL, variant=variant)
  # The official NF_ResNet reads drop_rate from its variant row, which has none: it must be passed.
  return lambda: nf_resnet.NF_ResNet(num_classes=NUM_CLASSES_FULL, variant=variant, drop_rate=0.25)


def counts():
  out = {}
  for name, (model, variant) in OFFICIAL_VARIANTS.items():
    make = full_model(model, variant)
    px = base.nfnet_params[variant]["test_imsize"] if model == "NFNet" else 224
    fwd = hk.transform(lambda x, make=make: make()(x, is_training=False)["logits"])
    shapes = jax.eval_shape(lambda f=fwd, px=px: f.init(jax.random.PRNGKey(0), jnp.zeros((1, px, px, 3))))
    tensors = {k: list(v.shape) for k, v in flat(shapes).items()}
    entry = {
        "official": f"{model} {variant}",
        "params": int(sum(int(np.prod(s)) for s in tensors.values())),
        "tensor_count": len(tensors),
        "px": px,
    }
    if model == "NFNet":
      # The official count_flops (multiply-accumulates). NF_ResNet's count_flops cannot run without SE
      # (it reads self.se unconditionally) and skips the stem's max-pool, so none is recorded for NF-ResNets.
      flops = hk.transform(lambda make=make, px=px: make().count_flops(px, px)[1])
      entry["macs"] = int(round(float(flops.apply({}, None))))
    entry["tensors"] = tensors
    out[name] = entry
    print(f"{name}: {entry['params']:,} parameters in {len(tensors)} tensors")
  return out


def randomize(params, rng):
  """Official init, then every gain, bias and skip gain non-zero and the classifier fan-in scaled."""
  out = {}
  for m, ps in params.items():
    out[m] = {}
    for p, v in ps.items():
      v = np.asarray(v, dtype=np.float32)
      if p == "gain":
        v = rng.uniform(0.5, 1.5, v.shape)
      elif p in ("bias", "b"):
        v = rng.normal(0.0, 0.1, v.shape)
      elif p == "skip_gain":
        v = np.asarray(rng.uniform(0.3, 1.0) * rng.choice([-1.0, 1.0]))
      elif p == "w" and m.endswith("/~/linear"):
        # Official N(0, 0.01) makes the logits mostly bias; fan-in scale makes them depend on the whole network.
        v = rng.normal(0.0, 1.0 / np.sqrt(v.shape[0]), v.shape)
      out[m][p] = jnp.asarray(np.asarray(v, dtype=np.float32))
  return out


# Constant from scipy.stats.truncnorm.std(a=-2, b=2): Haiku's VarianceScaling divides its std by it.
TRUNCATED_STD = 0.87962566103423978


def describe_init(init, shape):
  """An official initializer as nfx's ParamInit: {kind: normal|truncatedNormal, std} or {kind: constant, value}.

  For truncatedNormal, std is that of the normal before truncation at ±2 std (Haiku's TruncatedNormal).
  """
  inits = hk.initializers
  if init is jnp.zeros:
    return {"kind": "constant", "value": 0.0}
  if init is jnp.ones:
    return {"kind": "constant", "value": 1.0}
  if isinstance(init, inits.Constant):
    return {"kind": "constant", "value": float(init.constant)}
  if isinstance(init, inits.RandomNormal):
    assert float(init.mean) == 0.0
    return {"kind": "normal", "std": float(init.stddev)}
  if isinstance(init, inits.TruncatedNormal):
    assert float(init.mean) == 0.0 and float(init.lower) == -2.0 and float(init.upper) == 2.0
    return {"kind": "truncatedNormal", "std": float(init.stddev)}
  if isinstance(init, inits.VarianceScaling):
    assert init.mode == "fan_in" and init.fan_in_axes is None and len(shape) >= 2
    std = float(np.sqrt(init.scale / max(1.0, float(np.prod(shape[:-1])))))
    if init.distribution == "normal":
      return {"kind": "normal", "std": std}
    if init.distribution == "truncated_normal":
      return {"kind": "truncatedNormal", "std": std / TRUNCATED_STD}
  raise ValueError(f"no description for initializer {init!r}")


def tiny(name, make, kwargs, nfx, inputs, rng):
  inits = {}

  def creator(next_creator, shape, dtype, init, context):
    inits[context.full_name] = describe_init(init, shape)
    return next_creator(shape, dtype, init)

  def forward(x):
    with hk.custom_creator(creator):
      return make()(x, is_training=False)["logits"]

  fwd = hk.transform(forward)
  params = randomize(fwd.init(jax.random.PRNGKey(0), jnp.asarray(inputs[0])), rng)
  assert sorted(inits) == sorted(flat(params)), "an initializer was not seen"
  logits = [np.asarray(fwd.apply(params, None, jnp.asarray(x))) for x in inputs]
  tensors = flat(params)
  n = sum(int(np.prod(v.shape)) for v in tensors.values())
  print(f"{name}: {n:,} parameters in {len(tensors)} tensors; logits {[l.shape for l in logits]}")
  return {
      "official": kwargs,
      "nfx": nfx,
      # The official initializer of each tensor (before the redraws above), for nfx's init to be checked against.
      "params": {k: {**packed(v), "init": inits[k]} for k, v in tensors.items()},
      "logits": [packed(l) for l in logits],
  }


def git_head(path):
  try:
    return subprocess.run(["git", "-C", path, "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
  except (OSError, subprocess.CalledProcessError):
    return None


def write(path, obj, meta):
  with open(path, "w") as f:
    json.dump({"generator": meta, **obj}, f, separators=(",", ":"))
    f.write("\n")
  print(f"wrote {path} ({os.path.getsize(path):,} bytes)")


def main():
  here = os.path.dirname(os.path.abspath(__file__))
  ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  ap.add_argument("--out", default=os.path.join(here, "fixtures"))
  ap.add_argument("--seed", type=int, default=19)
  ap.add_argument("--skip-counts", action="store_true", help="leave official-counts.json as it is")
  ap.add_argument("--official-commit", default=None,
                  help="deepmind-research commit the nfnets/ code came from (recorded in the fixtures)")
  args = ap.parse_args()
  os.makedirs(args.out, exist_ok=True)
  meta = {
      "script": "reference/official_nfnets.py",
      "official_code": "deepmind-research/nfnets",
      "official_commit": args.official_commit or git_head(os.path.dirname(os.path.dirname(nfnet.__file__))),
      "haiku": hk.__version__,
      "jax": jax.__version__,
      "seed": args.seed,
  }
  rng = np.random.default_rng(args.seed)

  # One file per fixture, each a plain JSON object; counts are written one tensor per line for readable diffs.
  c = {} if args.skip_counts else counts()
  path = os.path.join(args.out, "official-counts.json")
  with open(os.devnull if args.skip_counts else path, "w") as f:
    f.write("{\n" + f'"generator": {json.dumps(meta)},\n"variants": {{\n')
    for i, (name, e) in enumerate(c.items()):
      head = {k: v for k, v in e.items() if k != "tensors"}
      f.write(f"{json.dumps(name)}: {json.dumps(head)[:-1]}, \"tensors\": {{\n")
      f.write(",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in e["tensors"].items()))
      f.write("\n}}" + ("," if i < len(c) - 1 else "") + "\n")
    f.write("}\n}\n")
  if not args.skip_counts:
    print(f"wrote {path} ({os.path.getsize(path):,} bytes)")

  inputs = [rng.normal(0.0, 1.0, s).astype(np.float32) for s in INPUT_SHAPES]
  write(os.path.join(args.out, "official-inputs.json"), {"inputs": [packed(x) for x in inputs]}, meta)

  base.nfnet_params["nfx-tiny"] = TINY_NFNET_ROW
  nfnet_kwargs = {"num_classes": NUM_CLASSES_TINY, "variant": "nfx-tiny", "variant_row": TINY_NFNET_ROW}
  nfnet_nfx = {
      "name": "nfnet-f0",
      "widths": TINY_NFNET_ROW["width"],
      "depths": TINY_NFNET_ROW["depth"],
      "groupWidth": 8,
      # The official stem: 16/2, 32, 64, then half the first stage's width /2.
      "stem": [
          {"width": 16, "kernel": 3, "stride": 2},
          {"width": 32, "kernel": 3, "stride": 1},
          {"width": 64, "kernel": 3, "stride": 1},
          {"width": TINY_NFNET_ROW["width"][0] // 2, "kernel": 3, "stride": 2},
      ],
      "numClasses": NUM_CLASSES_TINY,
  }
  write(os.path.join(args.out, "official-nfnet-tiny.json"),
        tiny("nfnet-tiny", lambda: nfnet.NFNet(num_classes=NUM_CLASSES_TINY, variant="nfx-tiny"),
             nfnet_kwargs, nfnet_nfx, inputs, rng), meta)

  nf_resnet.NF_ResNet.variant_dict["nfx-tiny"] = TINY_RESNET_ROW
  resnet_kwargs = {"num_classes": NUM_CLASSES_TINY, "variant": "nfx-tiny", "variant_row": TINY_RESNET_ROW,
                   "width": "1/4", "drop_rate": 0.25}
  resnet_nfx = {
      "name": "nf-resnet-50",
      "widths": [m * TINY_RESNET_WIDTH for m in (64, 128, 256, 512)],
      "depths": TINY_RESNET_ROW["depth"],
      "stem": [{"width": 16 * TINY_RESNET_WIDTH, "kernel": 7, "stride": 2}],
      "numClasses": NUM_CLASSES_TINY,
  }
  write(os.path.join(args.out, "official-nf-resnet-tiny.json"),
        tiny("nf-resnet-tiny",
             lambda: nf_resnet.NF_ResNet(num_classes=NUM_CLASSES_TINY, variant="nfx-tiny",
                                         width=TINY_RESNET_WIDTH, drop_rate=0.25),
             resnet_kwargs, resnet_nfx, inputs, rng), meta)


if __name__ == "__main__":
  main()
