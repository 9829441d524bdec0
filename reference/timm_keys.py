"""The state-dict key names and shapes of timm's `nf_resnet50` (no weights: `pretrained=False`), for nfx's test that
such weights are refused (test/weights/timmNfResnet.test.ts): timm's NF-ResNet is another network than the official
one (avg-pool shortcut, symmetric padding, no skip gain, activation gamma folded into the weights), so its
tensor names alone must be enough for nfx to say so.

Writes reference/fixtures/weights/timm-nf_resnet50-keys.json: {"timm": version, "model": name, "keys": [[name,
shape], ...]} in state-dict order.

Run: python reference/timm_keys.py   (timm installed with --no-deps on top of PyTorch is enough)
"""

import importlib.util
import json
import os
import sys
import types

import torch



class _StandIn(types.ModuleType):
  """A torchvision module whose every name is an empty class: timm imports torchvision's datasets, transforms and
  FrozenBatchNorm2d at its top, and building nf_resnet50 uses none of them."""

  __path__ = []

  def __getattr__(self, name):
    if name.startswith("__"):
      raise AttributeError(name)
    return _StandInMeta(name, (torch.nn.Module,), {})


class _StandInMeta(type):
  """Its classes answer any attribute (InterpolationMode.NEAREST) with a name of their own."""

  def __getattr__(cls, name):
    if name.startswith("__"):
      raise AttributeError(name)
    return f"{cls.__name__}.{name}"


class _StandInFinder:
  @staticmethod
  def find_spec(name, path=None, target=None):
    if name == "torchvision" or name.startswith("torchvision."):
      return importlib.util.spec_from_loader(name, _StandInLoader())
    return None


class _StandInLoader:
  def create_module(self, spec):
    return _StandIn(spec.name)

  def exec_module(self, module):
    pass


if importlib.util.find_spec("torchvision") is None:
  print("timm_keys: torchvision is not installed; stand-ins take its names (nf_resnet50 uses none)", file=sys.stderr)
  sys.meta_path.insert(0, _StandInFinder())

import timm  # noqa: E402


def main():
  here = os.path.dirname(os.path.abspath(__file__))
  out = os.path.join(here, "fixtures", "weights", "timm-nf_resnet50-keys.json")
  model = timm.create_model("nf_resnet50", pretrained=False)
  keys = [[k, list(v.shape)] for k, v in model.state_dict().items()]
  with open(out, "w") as f:
    json.dump({"timm": timm.__version__, "model": "nf_resnet50", "keys": keys}, f)
    f.write("\n")
  print(f"wrote {out}: {len(keys)} tensors")


if __name__ == "__main__":
  main()
