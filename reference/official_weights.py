"""Pretrained-format reference weights for nfx's loaders: one network, made by DeepMind's official NFNet code
(deepmind-research/nfnets, JAX/Haiku) and converted to timm's NormFreeNet (PyTorch), with both codes' logits.

Two runs, because JAX (a pip venv) and Debian's PyTorch (/usr/bin/python3) do not share an interpreter:

  deepmind  (JAX + the official code)  Builds the network with the official `nfnet.NFNet`, draws its weights (official
            random init, then every gain, bias and skip gain redrawn non-zero: `official_nfnets.randomize`), and
            writes
              <name>.deepmind.npz  the flattened Haiku parameter dict, keys "module/param" (e.g.
                                   "NFNet/~/nf_block_3/~/conv1b/w"), float32, official layouts (HWIO conv kernels,
                                   [in, out] dense kernels, (C,) gains and biases, () skip gains); the format of
                                   np.savez (a zip of .npy files), written with fixed zip timestamps so that a rerun
                                   gives the same bytes
              <name>.json          the nfx config that builds the network, the inputs' file, the official logits
                                   in eval mode (`is_training=False`), versions
  timm      (torch + timm)         Reads those two files, builds the same network as a timm NormFreeNet, loads the
            weights through the DeepMind->timm name map below (PyTorch layouts: OIHW conv kernels, [out, in] dense
            kernels, (C, 1, 1, 1) gains, 1x1-conv SE kernels), and writes
              <name>.timm.safetensors   timm's whole state dict
            and adds to <name>.json: timm's logits (NCHW input converted from the NHWC inputs), the formula forms
            timm uses (read from its source), the DeepMind->timm name map, and the official-vs-timm difference.

Networks:
  nfnet-tiny (default, into reference/fixtures/weights/)  The width-reduced official NFNet of official_nfnets.py
      cannot be built by timm (see WHY_NOT_OFFICIAL_TINY), so this is the smallest NFNet both codes build: official
      row width [256, 16, 32, 32], depth [0, 2, 1, 1], group width 8, 10 classes; nfx builds it as three stages of
      stride 2 after the official 16/32/64/128 stem (TINY_NFX).
  F0 (--f0 DIR, not committed: 286 MB)  The official NFNet-F0 (timm `dm_nfnet_f0`), 1000 classes, inputs of F0's
      test size (2x256x256x3) and an odd size (2x227x195x3), written to DIR/F0-inputs.json.

Run (see reference/README.md):
  PYTHONPATH=/tmp/x/deepmind-research /tmp/jaxenv/bin/python reference/official_weights.py deepmind [--f0 /tmp/f0]
  /tmp/timmenv/bin/python reference/official_weights.py timm [--f0 /tmp/f0]
"""

import argparse
import base64
import json
import os
import platform
import sys
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
WEIGHTS = os.path.join(FIXTURES, "weights")

# The smallest NFNet that the official code and timm both build (see WHY_NOT_OFFICIAL_TINY): a row in the official
# `base.nfnet_params` format. Stage 0 is empty: its width only sets the stem's last conv (256 // 2 = 128 channels).
TIMM_TINY_ROW = {
    "width": [256, 16, 32, 32],
    "depth": [0, 2, 1, 1],
    "group_width": [8, 8, 8, 8],
    "train_imsize": 64,
    "test_imsize": 64,
    "RA_level": "405",
    "drop_rate": 0.2,
}
TINY_NUM_CLASSES = 10
TINY_VARIANT = "nfx-timm-tiny"

# The same network in nfx: the official stem, then the three non-empty stages, each strided (official stride
# pattern [1, 2, 2, 2] without its empty first stage). Block k of nfx is the official nf_block_k and timm's k-th
# block in (stage, block) order, i.e. stages.1.0, stages.1.1, stages.2.0, stages.3.0.
TINY_NFX = {
    "name": "nfnet-f0",
    "widths": [16, 32, 32],
    "depths": [2, 1, 1],
    "strides": [2, 2, 2],
    "groupWidth": 8,
    "stem": [
        {"width": 16, "kernel": 3, "stride": 2},
        {"width": 32, "kernel": 3, "stride": 1},
        {"width": 64, "kernel": 3, "stride": 1},
        {"width": 128, "kernel": 3, "stride": 2},
    ],
    "numClasses": TINY_NUM_CLASSES,
}

WHY_NOT_OFFICIAL_TINY = (
    "timm cannot build the width-reduced NFNet of official-nfnet-tiny.json (official row width [16, 32, 48, 64], "
    "depth [1, 2, 1, 1]): the official stem (nfnet.py NFNet.__init__) is 16/2, 32, 64, then width[0] // 2 = 8 "
    "channels /2, while timm's NFNet stem (timm/models/nfnet.py create_stem, stem_type 'deep_quad') is "
    "stem_chs // 8, // 4, // 2, stem_chs, so its first three convs are 16, 32, 64 only for stem_chs = 128 (or 129), "
    "which the official code gives only for width[0] = 256; stage 0's first block then has out width 256 "
    "(~166k parameters with its SE and 1x1 shortcut) and the fixtures would exceed 1 MB. So stage 0 is empty "
    "(official depth 0; timm builds an empty stages.0) and the other stages are narrow: official row width "
    "[256, 16, 32, 32], depth [0, 2, 1, 1], group width 8 (timm NfCfg: _dm_nfnet_cfg(depths=(0, 2, 1, 1), "
    "channels=(256, 16, 32, 32)) with group_size=8). Widths are multiples of 16 so that timm's make_divisible(., 8) "
    "of the bottleneck (width / 2) and SE (width / 2) widths equals the official int(width / 2)."
)

F0_INPUT_SHAPES = [(2, 256, 256, 3), (2, 227, 195, 3)]


# ---------------------------------------------------------------------------------------------------------------
# The DeepMind -> timm name map (timm/models/nfnet.py NormFreeNet, NormFreeBlock, create_stem 'deep_quad';
# timm/layers/squeeze_excite.py SEModule; timm/layers/classifier.py ClassifierHead)
# ---------------------------------------------------------------------------------------------------------------

# Official NFBlock submodule -> timm NormFreeBlock submodule.
BLOCK_MODULES = {
    "conv0": "conv1",
    "conv1": "conv2",
    "conv1b": "conv2b",
    "conv2": "conv3",
    "conv_shortcut": "downsample.conv",
    "squeeze_excite/~/linear": "attn_last.fc1",
    "squeeze_excite/~/linear_1": "attn_last.fc2",
}
# Official parameter name -> timm parameter name.
PARAMS = {"w": "weight", "b": "bias", "bias": "bias", "gain": "gain"}


def block_positions(depths):
  """timm's (stage, block) of each official block index, the official blocks numbered across stages."""
  return [(s, b) for s, d in enumerate(depths) for b in range(d)]


def timm_name(dm, depths):
  """The timm state-dict name of an official parameter "module/param"; KeyError for a name not in the map."""
  module, param = dm.rsplit("/", 1)
  assert module.startswith("NFNet/~/"), dm
  module = module[len("NFNet/~/"):]
  if module.startswith("stem_conv"):
    return f"stem.conv{int(module[len('stem_conv'):]) + 1}.{PARAMS[param]}"
  if module == "final_conv":
    return f"final_conv.{PARAMS[param]}"
  if module == "linear":
    return f"head.fc.{PARAMS[param]}"
  head, _, sub = module.partition("/~/")
  assert head.startswith("nf_block"), dm
  k = int(head[len("nf_block_"):]) if head != "nf_block" else 0
  s, b = block_positions(depths)[k]
  if sub == "" and param == "skip_gain":
    return f"stages.{s}.{b}.skipinit_gain"
  return f"stages.{s}.{b}.{BLOCK_MODULES[sub]}.{PARAMS[param]}"


def timm_layout(dm, a):
  """An official array in timm's layout: conv HWIO -> OIHW, dense [in, out] -> [out, in] (SE: [out, in, 1, 1],
  timm's SE layers are 1x1 convs), gain (C,) -> (C, 1, 1, 1); biases and skip gains unchanged."""
  param = dm.rsplit("/", 1)[1]
  if param == "w" and a.ndim == 4:
    return np.ascontiguousarray(a.transpose(3, 2, 0, 1))
  if param == "w" and a.ndim == 2:
    t = np.ascontiguousarray(a.T)
    return t[:, :, None, None] if "/squeeze_excite/" in dm else t
  if param == "gain":
    return a.reshape(-1, 1, 1, 1)
  return a


# ---------------------------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------------------------


def save_npz(path, arrays):
  """np.savez's format (a zip of "<key>.npy", stored, keys sorted) with a fixed timestamp: same arrays, same bytes."""
  tmp = path + ".tmp"
  with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
    for k in sorted(arrays):
      info = zipfile.ZipInfo(k + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
      with z.open(info, "w", force_zip64=True) as f:
        np.lib.format.write_array(f, np.asarray(arrays[k], dtype="<f4"), allow_pickle=False)
  os.replace(tmp, path)
  print(f"wrote {path} ({os.path.getsize(path):,} bytes, {len(arrays)} arrays)")


def load_npz(path):
  with np.load(path, allow_pickle=False) as z:
    return {k: z[k] for k in z.files}


def b64(a):
  return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def unpack(p):
  return np.frombuffer(base64.b64decode(p["data"]), dtype="<f4").reshape(p["shape"]).copy()


def read_json(path):
  with open(path) as f:
    return json.load(f)


def write_json(path, obj):
  tmp = path + ".tmp"
  with open(tmp, "w") as f:
    json.dump(obj, f, indent=1)
    f.write("\n")
  os.replace(tmp, path)
  print(f"wrote {path} ({os.path.getsize(path):,} bytes)")


def input_name(shape):
  return f"{shape[1]}x{shape[2]}"


def nested(a):
  """float32 array -> nested lists of floats (each the float32 value exactly)."""
  return np.asarray(a, dtype=np.float32).astype(np.float64).tolist()


def paths(args):
  if args.f0:
    return args.f0, "F0"
  return args.out, "nfnet-tiny"


# ---------------------------------------------------------------------------------------------------------------
# DeepMind side (JAX, the official code)
# ---------------------------------------------------------------------------------------------------------------


def official_with_timm_forms(base, nfnet, hk, jax, jnp, classes, variant, params, inputs):
  """Eval-mode logits of the official network with timm's weight standardisation ((w - mean) / sqrt(var + 1e-5)
  * fan_in^-1/2 * gain) and erf GELU in place of the official rsqrt(max(fan_in * var, 1e-4)) and tanh GELU; the
  official module is restored afterwards."""
  original_ws = base.WSConv2D.standardize_weight
  original_gelu = base.nonlinearities["gelu"]

  def timm_ws(self, weight, eps=1e-4):
    del eps
    mean = jnp.mean(weight, axis=(0, 1, 2), keepdims=True)
    var = jnp.var(weight, axis=(0, 1, 2), keepdims=True)
    fan_in = np.prod(weight.shape[:-1])
    gain = hk.get_parameter("gain", shape=(weight.shape[-1],), dtype=weight.dtype, init=jnp.ones)
    return (weight - mean) * jax.lax.rsqrt(var + 1e-5) * (fan_in ** -0.5) * gain

  base.WSConv2D.standardize_weight = hk.transparent(timm_ws)
  base.nonlinearities["gelu"] = lambda x: jax.nn.gelu(x, approximate=False) * 1.7015043497085571
  try:
    fwd = hk.transform(lambda x: nfnet.NFNet(num_classes=classes, variant=variant)(x, is_training=False)["logits"])
    apply = jax.jit(fwd.apply)
    return {input_name(x.shape): np.asarray(apply(params, None, jnp.asarray(x))) for x in inputs}
  finally:
    base.WSConv2D.standardize_weight = original_ws
    base.nonlinearities["gelu"] = original_gelu


def run_deepmind(args):
  sys.path.insert(0, HERE)
  import haiku as hk
  import jax
  import jax.numpy as jnp
  import jaxlib
  import official_nfnets as on  # sets jax_platforms=cpu and matmul precision "highest"
  from nfnets import base
  from nfnets import nfnet

  out, stem = paths(args)
  os.makedirs(out, exist_ok=True)
  rng = np.random.default_rng(args.seed)
  if args.f0:
    variant, classes = "F0", 1000
    inputs = [rng.normal(0.0, 1.0, s).astype(np.float32) for s in F0_INPUT_SHAPES]
    inputs_file = "F0-inputs.json"
    write_json(os.path.join(out, inputs_file), {"inputs": [{"shape": list(x.shape), "data": b64(x)} for x in inputs]})
    official = {"num_classes": classes, "variant": "F0"}
    nfx = {"name": "nfnet-f0", "numClasses": classes}
    depths = base.nfnet_params["F0"]["depth"]
  else:
    variant, classes = TINY_VARIANT, TINY_NUM_CLASSES
    base.nfnet_params[variant] = TIMM_TINY_ROW
    inputs_file = "official-inputs.json"
    inputs = [unpack(p) for p in read_json(os.path.join(FIXTURES, inputs_file))["inputs"]]
    official = {"num_classes": classes, "variant": variant, "variant_row": TIMM_TINY_ROW}
    nfx = TINY_NFX
    depths = TIMM_TINY_ROW["depth"]

  fwd = hk.transform(lambda x: nfnet.NFNet(num_classes=classes, variant=variant)(x, is_training=False)["logits"])
  params = on.randomize(fwd.init(jax.random.PRNGKey(0), jnp.asarray(inputs[0][:1])), rng)
  apply = jax.jit(fwd.apply)
  logits = {input_name(x.shape): np.asarray(apply(params, None, jnp.asarray(x))) for x in inputs}
  # The official code with timm's two forms swapped in (see TIMM_FORMS): shows that they are all that differs.
  timm_forms_logits = official_with_timm_forms(base, nfnet, hk, jax, jnp, classes, variant, params, inputs)
  tensors = {k: np.asarray(v, dtype=np.float32) for k, v in on.flat(params).items()}
  n = sum(int(v.size) for v in tensors.values())
  print(f"{stem}: {n:,} parameters in {len(tensors)} tensors; logits {[l.shape for l in logits.values()]}")

  save_npz(os.path.join(out, f"{stem}.deepmind.npz"), tensors)
  write_json(os.path.join(out, f"{stem}.json"), {
      "description": (
          "An official NFNet (deepmind-research/nfnets nfnet.NFNet) with random weights, every gain U(0.5, 1.5), "
          "bias N(0, 0.1^2) and skip gain +-U(0.3, 1) redrawn non-zero and the dense kernels' std 1/sqrt(fan_in) "
          "(official_nfnets.randomize); the same weights as timm's NormFreeNet state dict; logits of both codes "
          "in eval mode for each input batch (NHWC; timm got them as NCHW)."),
      "weights": {"deepmind": f"{stem}.deepmind.npz", "timm": f"{stem}.timm.safetensors"},
      "nfx_config": nfx,
      "official": official,
      "depths": depths,
      **({} if args.f0 else {"why_not_official_tiny": WHY_NOT_OFFICIAL_TINY}),
      "params": n,
      "tensors": len(tensors),
      "inputs": inputs_file,
      "inputs_path": os.path.join(out, inputs_file) if args.f0 else f"reference/fixtures/{inputs_file}",
      "input_names": list(logits),
      "official_logits": {k: nested(v) for k, v in logits.items()},
      "official_logits_timm_forms": {k: nested(v) for k, v in timm_forms_logits.items()},
      "versions": {
          "script": "reference/official_weights.py",
          "seed": args.seed,
          "official_code": "deepmind-research/nfnets",
          "official_commit": args.official_commit,
          "python_deepmind": platform.python_version(),
          "jax": jax.__version__,
          "jaxlib": jaxlib.__version__,
          "haiku": hk.__version__,
          "numpy_deepmind": np.__version__,
      },
  })


# ---------------------------------------------------------------------------------------------------------------
# timm side (Debian torch + timm)
# ---------------------------------------------------------------------------------------------------------------

TIMM_FORMS = {
    "weight_standardisation": {
        "source": "timm/layers/std_conv.py ScaledStdConv2dSame.forward (NormFreeNet uses it: NfCfg.same_padding)",
        "formula": ("w_hat = (w - mean(w)) / sqrt(var(w) + eps) * gain * gamma * fan_in^-1/2, mean and biased "
                    "variance over each output channel's fan_in = in/groups * kh * kw weights (F.batch_norm of "
                    "w.reshape(1, out, -1) with training=True), gamma = 1 (NfCfg.gamma_in_act: the activation "
                    "carries it)"),
        "eps": 1e-5,
        "eps_source": ("timm/models/nfnet.py NfCfg.std_conv_eps = 1e-5, passed by NormFreeNet.__init__ as the "
                       "conv's eps (ScaledStdConv2dSame's own default, 1e-6, is not used)"),
        "official": ("nfnets/base.py WSConv2D.standardize_weight: (w - mean) * gain * rsqrt(max(fan_in * var, "
                     "1e-4))"),
    },
    "gelu": {
        "source": ("timm/models/nfnet.py GammaAct (act_with_gamma, NfCfg.gamma_in_act) -> timm/layers/create_act.py "
                   "get_act_fn('gelu') -> timm/layers/activations.py gelu -> torch.nn.functional.gelu(x)"),
        "form": "erf: x/2 * (1 + erf(x / sqrt(2))), times gamma 1.7015043497085571 (nfnet.py _nonlin_gamma['gelu'])",
        "official": ("nfnets/base.py nonlinearities['gelu'] = jax.nn.gelu(x) * 1.7015043497085571, jax.nn.gelu's "
                     "default approximate=True: the tanh form x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))"),
    },
    "same_as_official": [
        "'SAME' padding of strided convs (timm/layers/padding.py pad_same: the odd pixel padded at the end)",
        ("shortcut avg-pool 2x2/2: nn.AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False) (nfnet.py "
         "DownsampleAvg) = hk.avg_pool 'SAME', dividing by the number of real pixels"),
        ("SE: timm/layers/squeeze_excite.py SEModule (1x1 convs fc1, ReLU, fc2, sigmoid, x * gate), hidden width "
         "make_divisible(width / 2, 8); the block multiplies by attn_gain 2"),
        "beta = 1 / expected std and alpha = 0.2 as the official code; skipinit_gain = the official skip_gain",
    ],
}


def run_timm(args):
  import safetensors
  import timm
  import torch
  from safetensors.torch import save_file
  from timm.models import nfnet as tn

  torch.set_num_threads(1)
  out, stem = paths(args)
  meta_path = os.path.join(out, f"{stem}.json")
  meta = read_json(meta_path)
  dm = load_npz(os.path.join(out, meta["weights"]["deepmind"]))
  depths = meta["depths"]
  classes = meta["official"]["num_classes"]
  if args.f0:
    model = timm.create_model("dm_nfnet_f0", pretrained=False, num_classes=classes)
    timm_cfg = {"model": "timm.create_model('dm_nfnet_f0')"}
  else:
    cfg = tn._dm_nfnet_cfg(depths=tuple(depths), channels=tuple(TIMM_TINY_ROW["width"]))
    cfg = tn.replace(cfg, group_size=TIMM_TINY_ROW["group_width"][0])
    tn.model_cfgs[TINY_VARIANT] = cfg
    model = tn._create_normfreenet(TINY_VARIANT, pretrained=False, num_classes=classes)
    timm_cfg = {
        "model": (f"timm.models.nfnet._dm_nfnet_cfg(depths={tuple(depths)}, channels="
                  f"{tuple(TIMM_TINY_ROW['width'])}) with group_size={TIMM_TINY_ROW['group_width'][0]}, "
                  f"NormFreeNet(num_classes={classes}) via _create_normfreenet"),
        "NfCfg": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(cfg).items()},
    }
  model.eval()

  names = {k: timm_name(k, depths) for k in sorted(dm)}
  assert len(set(names.values())) == len(names), "two official tensors map to one timm name"
  own = model.state_dict()
  missing = sorted(set(own) - set(names.values()))
  extra = sorted(set(names.values()) - set(own))
  assert not missing and not extra, f"name map: timm names without an official tensor {missing}, unknown {extra}"
  state = {}
  for k, t in names.items():
    a = timm_layout(k, dm[k])
    assert tuple(a.shape) == tuple(own[t].shape), f"{k} -> {t}: {a.shape} vs timm {tuple(own[t].shape)}"
    state[t] = torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))
  model.load_state_dict(state, strict=True)
  sd = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
  path = os.path.join(out, meta["weights"]["timm"])
  save_file(dict(sorted(sd.items())), path + ".tmp", metadata={"format": "pt"})
  os.replace(path + ".tmp", path)
  os.chmod(path, 0o644)  # safetensors creates its file readable by its owner only
  print(f"wrote {path} ({os.path.getsize(path):,} bytes, {len(sd)} tensors)")
  # Read back: every tensor is the official one in timm's layout, and the map is one-to-one both ways.
  from safetensors.numpy import load_file
  back = load_file(path)
  assert sorted(back) == sorted(names.values())
  inverse = {t: k for k, t in names.items()}
  for t, a in back.items():
    assert a.dtype == np.float32 and np.array_equal(a, timm_layout(inverse[t], dm[inverse[t]])), t

  inputs = [unpack(p) for p in read_json(os.path.join(FIXTURES if not args.f0 else out, meta["inputs"]))["inputs"]]
  logits, diff = {}, {}
  with torch.no_grad():
    for x in inputs:
      name = input_name(x.shape)
      y = model(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))).numpy()
      logits[name] = nested(y)
      ref = np.asarray(meta["official_logits"][name], dtype=np.float64)
      d = np.abs(y.astype(np.float64) - ref)
      d2 = np.abs(y.astype(np.float64) - np.asarray(meta["official_logits_timm_forms"][name], dtype=np.float64))
      diff[name] = {
          "max_abs_diff": float(d.max()),
          "max_abs_official_logit": float(np.abs(ref).max()),
          "max_abs_diff_over_max_logit": float(d.max() / np.abs(ref).max()),
          "timm_forms_max_abs_diff_over_max_logit": float(d2.max() / np.abs(ref).max()),
      }
      print(f"{name}: official vs timm max |diff| {d.max():.3g}, of the largest logit "
            f"{diff[name]['max_abs_diff_over_max_logit']:.3g}; official with timm's forms vs timm "
            f"{diff[name]['timm_forms_max_abs_diff_over_max_logit']:.3g}")
  meta.update({
      "timm_logits": logits,
      "official_vs_timm": diff,
      "official_vs_timm_note": (
          "max |official - timm| over the batch's logits, and that divided by the largest |official logit|; "
          "timm_forms_...: the same for official_logits_timm_forms (the official code with timm's weight "
          "standardisation and erf GELU) against timm"),
      "timm_forms": TIMM_FORMS,
      "timm_config": timm_cfg,
      "timm_names": names,
      "timm_layouts": ("conv w HWIO -> weight OIHW; gain (C,) -> (C, 1, 1, 1); bias unchanged; SE linear w [in, out] "
                       "-> 1x1 conv weight [out, in, 1, 1]; classifier linear w [in, out] -> head.fc.weight "
                       "[out, in]; skip_gain () -> skipinit_gain ()"),
  })
  meta["versions"].update({
      "python_timm": platform.python_version(),
      "torch": torch.__version__,
      "timm": timm.__version__,
      "safetensors": safetensors.__version__,
      "numpy_timm": np.__version__,
  })
  write_json(meta_path, meta)


def main():
  ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  ap.add_argument("side", choices=["deepmind", "timm"])
  ap.add_argument("--out", default=WEIGHTS, help="folder of the tiny network's files")
  ap.add_argument("--f0", default=None, metavar="DIR", help="make the full NFNet-F0's files in DIR instead")
  ap.add_argument("--seed", type=int, default=19)
  ap.add_argument("--official-commit", default="f5de0ede8430809180254ee957abf36ed62579ef",
                  help="deepmind-research commit the nfnets/ code came from (recorded in the JSON)")
  args = ap.parse_args()
  (run_deepmind if args.side == "deepmind" else run_timm)(args)


if __name__ == "__main__":
  main()
