"""Fixtures of the official training recipe (deepmind-research nfnets/optim.py, utils.py, experiment*.py) for nfx.

Writes reference/fixtures/official-recipe.json (or --out) with what the official functions themselves compute:

  schedule   `optim.WarmupCosineDecay(start_val=0, min_val=0, max_val=peak, num_steps=T, warmup_steps=W)` at every
             step 0…T−1 for W = 4, T = 10 (peak 1.6) and the unrounded W = 3.5 (T = 10, peak 0.8); the edge cases
             T ≤ W (W = 4, T = 3) and W = 0 (where the official code gives NaN at step 0: stored as null); and the
             ImageNet NFNet run of experiment_nfnets.py (N = 1281167, E = 360, B = 4096: T and W by its
             get_config formulas) at a few steps.
  sgd        `optim.SGD.update_param` (momentum 0.9, nesterov, weight decay 1e-4) over 3 steps whose rates are the
             schedule's (W = 2, T = 10, peak 0.5): step 0 runs at lr 0, leaves the parameter as it was and still
             fills the momentum buffer, which step 1's update then carries.
  ema        `utils.tf1_ema` (decay_t = min(decay, (1 + t)/(10 + t))) applied as experiment.py _train_fn does, with
             t = the global step from 0, to 20 steps of a weight [3, 4] and a state [4] (random, seeded), the
             averages starting at the initial values (experiment.py inits them with the same rng as the
             parameters); for decay 0.99999 (NFNets) and 0.5 (where the min switches from the ramp to the decay).

Arrays are lists of float32 values (row-major) with their shape. Only JAX is needed: optim.py imports haiku and
dm-tree at its top but none of the functions used here touches them, so where they are not installed an empty
module stands in for each (and says so on stderr).

Run (from the repository root; PYTHONPATH is the folder that holds nfnets/, see reference/README.md):
  PYTHONPATH=/path/to/deepmind-research python reference/official_recipe.py --official-commit <sha>
"""

import argparse
import importlib.util
import json
import os
import sys
import types

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_platforms", "cpu")

for missing in ("haiku", "tree", "dill"):
  if importlib.util.find_spec(missing) is None:
    print(f"official_recipe: {missing} is not installed; an empty module stands in (unused here)", file=sys.stderr)
    sys.modules[missing] = types.ModuleType(missing)

from nfnets import optim  # noqa: E402
from nfnets import utils  # noqa: E402


def f32list(x):
  """Values as Python floats (NaN as None, which JSON writes as null)."""
  return [None if np.isnan(v) else float(v) for v in np.asarray(x, dtype=np.float32).reshape(-1)]


def schedule_case(name, peak, warmup, total, steps=None):
  sched = optim.WarmupCosineDecay(start_val=0, min_val=0, max_val=peak, num_steps=total, warmup_steps=warmup)
  steps = list(range(total)) if steps is None else steps
  with np.errstate(all="ignore"):
    lr = [sched(jnp.asarray(s, dtype=jnp.int32)) for s in steps]
  return {"name": name, "peak": peak, "warmup_steps": warmup, "total_steps": total, "steps": steps, "lr": f32list(lr)}


def imagenet_case():
  # experiment_nfnets.get_config: train_batch_size 4096, images_per_epoch 1281167, num_epochs 360,
  # steps_per_epoch = images_per_epoch / train_batch_size, training_steps = (images_per_epoch * num_epochs) //
  # train_batch_size, warmup_steps = 5 * steps_per_epoch, max_lr = lr * train_batch_size / 256 (lr_scale_by_bs).
  batch, images, epochs = 4096, 1281167, 360
  total = (images * epochs) // batch
  warmup = 5 * (images / batch)
  peak = 0.1 * batch / 256
  steps = [0, 1, 1563, 1564, 1565, 56301, total - 1]
  case = schedule_case("imagenet-nfnet", peak, warmup, total, steps)
  case.update({"train_size": images, "epochs": epochs, "batch_size": batch, "warmup_epochs": 5})
  return case


def sgd_case(rng):
  sched = optim.WarmupCosineDecay(start_val=0, min_val=0, max_val=0.5, num_steps=10, warmup_steps=2)
  param = rng.standard_normal(4).astype(np.float32)
  grads = rng.standard_normal((3, 4)).astype(np.float32)
  opts = {"momentum": 0.9, "nesterov": True, "weight_decay": 1e-4, "dampening": 0}
  state = {"step": jnp.zeros(1), "momentum": jnp.zeros(4)}
  p = jnp.asarray(param)
  params, momenta, lrs = [], [], []
  for s in range(3):
    lr = sched(jnp.asarray(s, dtype=jnp.int32))
    p, state = optim.SGD.update_param(None, p, jnp.asarray(grads[s]), state, dict(opts, lr=lr))
    params.append(f32list(p))
    momenta.append(f32list(state["momentum"]))
    lrs.append(float(lr))
  return {"momentum": 0.9, "nesterov": True, "weight_decay": 1e-4, "schedule": {"peak": 0.5, "warmup_steps": 2,
          "total_steps": 10}, "param0": f32list(param), "grads": [f32list(g) for g in grads], "lr": lrs,
          "params": params, "momenta": momenta}


def ema_case(rng, decay):
  weights = rng.standard_normal((21, 3, 4)).astype(np.float32)
  states = rng.standard_normal((21, 4)).astype(np.float32)
  ema_w, ema_s = jnp.asarray(weights[0]), jnp.asarray(states[0])
  avg_w, avg_s = [], []
  for t in range(20):
    # experiment.py _train_fn: ema = lambda x, y: ema_fn(x, y, self.config.ema_decay, global_step)
    step = jnp.asarray(t, dtype=jnp.int32)
    ema_w = utils.tf1_ema(ema_w, jnp.asarray(weights[t + 1]), decay, step)
    ema_s = utils.tf1_ema(ema_s, jnp.asarray(states[t + 1]), decay, step)
    avg_w.append(f32list(ema_w))
    avg_s.append(f32list(ema_s))
  return {"decay": decay, "weight_shape": [3, 4], "state_shape": [4], "weights": [f32list(w) for w in weights],
          "states": [f32list(s) for s in states], "avg_weights": avg_w, "avg_states": avg_s}


def main():
  here = os.path.dirname(os.path.abspath(__file__))
  ap = argparse.ArgumentParser()
  ap.add_argument("--out", default=os.path.join(here, "fixtures", "official-recipe.json"))
  ap.add_argument("--official-commit", default=None)
  ap.add_argument("--seed", type=int, default=25)
  args = ap.parse_args()
  rng = np.random.default_rng(args.seed)
  out = {
      "source": {"repository": "deepmind-research", "folder": "nfnets", "commit": args.official_commit,
                 "functions": ["optim.WarmupCosineDecay", "optim.SGD.update_param", "utils.tf1_ema"],
                 "jax": jax.__version__, "seed": args.seed},
      "schedule": [
          schedule_case("W=4,T=10", 1.6, 4, 10),
          schedule_case("W=3.5,T=10", 0.8, 3.5, 10),
          schedule_case("T<=W", 1.6, 4, 3),
          schedule_case("W=0", 1.6, 0, 10),
          imagenet_case(),
      ],
      "sgd": sgd_case(rng),
      "ema": [ema_case(rng, 0.99999), ema_case(rng, 0.5)],
  }
  with open(args.out, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
  print(f"wrote {args.out}")


if __name__ == "__main__":
  main()
