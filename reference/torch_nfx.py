"""PyTorch reference for nfx's differential test: NF-ResNet and NFNet forward/backward, AGC and the SGD recipe.

An independent implementation (PyTorch, float64) of the math of the NFNets paper (Brock et al. 2021) and of
DeepMind's official code (deepmind-research `nfnets/`: base.py, nfnet.py, nf_resnet.py, optim.py,
experiment_nfnets.py), written from those sources, not from nfx's TypeScript. For two small networks that nfx
builds (a width-reduced NF-ResNet and NFNet, see NETS) it draws weights with every gain, bias and skip gain
non-zero, and writes, for fixed batches:

  logits, the label-smoothed loss, every parameter's gradient, the AGC-clipped gradients (unit-wise and layer-wise)
  and the weights after three SGD steps of the paper's recipe (AGC unit-wise → weight decay on weights only →
  Nesterov momentum 0.9, linear warmup then cosine LR).

into reference/fixtures/torch/<net>.json, which test/models/torchDifferential.test.ts compares nfx against on the
cpu and wasm backends. Tensors use nfx's names and layouts (conv kernels HWIO [kh, kw, cin/groups, cout], dense
kernels [in, out], gains and biases [cout], skip gains scalars []); the math runs in NCHW/OIHW internally.
Arrays are stored as base64 of little-endian float32 with their shape, as the official fixtures.

Run with Debian's python3-torch (`/usr/bin/python3`), from the repository root:
    /usr/bin/python3 reference/torch_nfx.py
"""
import argparse
import base64
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

# γ of each nonlinearity (base.nonlinearities): act(x)·γ has unit second moment for x ~ N(0, 1).
GAMMA = {"relu": 1.7139588594436646, "gelu": 1.7015043497085571}
WS_EPS = 1e-4  # base.WSConv2D.standardize_weight: rsqrt(max(N·var, 1e-4))
AGC_EPS = 1e-3  # optim.SGD_AGC / experiment_nfnets.py: eps=1e-3
AGC_DIV_FLOOR = 1e-6  # optim.SGD_AGC: grad · max_norm / max(‖G‖, 1e-6)
LABEL_SMOOTHING = 0.1  # experiment.py: label_smoothing=0.1
MOMENTUM = 0.9  # experiment_nfnets.py: momentum 0.9, nesterov True
WEIGHT_DECAY = 2e-5  # experiment_nfnets.py: weight_decay 2e-5 (weights only)
RECIPE_LAMBDA = 0.01  # experiment_nfnets.py: clipping 0.01

# The two networks: nfx model configs (a table row plus overrides) and the input they run on. Stochastic depth and
# dropout are off, so training-mode logits are deterministic.
NETS = {
    "nf-resnet-tiny": {
        "nfx": {
            "name": "nf-resnet-micro",
            "stem": [{"width": 8, "kernel": 3, "stride": 1}],
            "stemPool": True,
            "depths": [1, 2],
            "widths": [16, 32],
            "strides": [1, 2],
        },
        "input": [15, 13, 1],
        "classes": 5,
    },
    "nfnet-tiny": {
        "nfx": {
            "name": "nfnet-micro",
            "stem": [{"width": 8, "kernel": 3, "stride": 2}, {"width": 8, "kernel": 3, "stride": 1}],
            "depths": [1, 2],
            "widths": [16, 32],
            "strides": [1, 2],
            "groupWidth": 4,
            "stochDepth": 0,
            "dropout": 0,
        },
        "input": [14, 11, 3],
        "classes": 5,
    },
}

# The rows the configs start from (nfx's variants.ts; the values are the official code's, at CPU scale).
BASE_ROWS = {
    "nf-resnet-micro": dict(
        stem=[{"width": 16, "kernel": 3, "stride": 1}], stemPool=False, depths=[1, 1, 1], widths=[32, 64, 128],
        strides=[2, 2, 2], bottleneckRatio=0.5, groupWidth=0, secondConv=False, se=False, seRatio=0.25,
        shortcut="strided", activation="relu", alpha=0.2, finalConvMult=0),
    "nfnet-micro": dict(
        stem=[{"width": 16, "kernel": 3, "stride": 1}, {"width": 32, "kernel": 3, "stride": 2}], stemPool=False,
        depths=[1, 1, 1], widths=[64, 128, 256], strides=[1, 2, 2], bottleneckRatio=0.5, groupWidth=16,
        secondConv=True, se=True, seRatio=0.5, shortcut="avgpool", activation="gelu", alpha=0.2, finalConvMult=2),
}

BATCH = 6
STEPS = 3
# LR schedule of the paper (§6.1: lr = base·B/256, linear warmup, then cosine to 0) on a 6-step horizon. The base LR
# is not the paper's 0.1 but one whose peak is 0.5: AGC bounds each step's update to about lr·λ·‖W_i‖, so at the
# paper's LR (0.1·6/256) three steps would move the weights by ~1e-5 of their size, below what a 1e-4 comparison of
# the weights can see; at 0.5 the update itself (w3 − w0) is compared.
BASE_LR = 0.5 * 256 / BATCH
WARMUP_STEPS = 2
TOTAL_STEPS = 6


def spec_of(cfg):
    spec = dict(BASE_ROWS[cfg["name"]])
    spec.update({k: v for k, v in cfg.items() if k != "name"})
    return spec


# ----------------------------------------------------------------------------------------------------------- math


def act(x, name):
    """γ-scaled nonlinearity (base.nonlinearities). GELU is jax.nn.gelu's tanh approximation."""
    if name == "relu":
        y = torch.clamp(x, min=0)
    elif name == "gelu":
        y = 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    else:
        raise ValueError(name)
    return y * GAMMA[name]


def same_pads(n, k, s):
    """TensorFlow 'SAME' padding of one spatial axis: ⌈n/s⌉ outputs, the odd pixel of padding at the end."""
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def pad_same(x, k, s, value=0.0):
    (top, bottom), (left, right) = same_pads(x.shape[2], k, s), same_pads(x.shape[3], k, s)
    return F.pad(x, (left, right, top, bottom), value=value)


def ws_kernel(w, gain):
    """Scaled WS (base.WSConv2D): Ŵ = gain·(W − mean)·rsqrt(max(N·var, 1e-4)) per output channel; HWIO → OIHW."""
    fan_in = w.shape[0] * w.shape[1] * w.shape[2]
    mean = w.mean(dim=(0, 1, 2), keepdim=True)
    var = ((w - mean) ** 2).mean(dim=(0, 1, 2), keepdim=True)
    scale = torch.rsqrt(torch.clamp(var * fan_in, min=WS_EPS)) * gain
    return ((w - mean) * scale).permute(3, 2, 0, 1)


def ws_conv(P, name, x, k, s, groups=1):
    """WSConv2D with 'SAME' padding and its always-present bias; x NCHW."""
    y = F.conv2d(pad_same(x, k, s), ws_kernel(P[name + ".w"], P[name + ".gain"]), stride=s, groups=groups)
    return y + P[name + ".bias"].view(1, -1, 1, 1)


def max_pool_same(x):
    """hk.max_pool 3×3/2 'SAME' (padding never wins)."""
    return F.max_pool2d(pad_same(x, 3, 2, value=-math.inf), 3, 2)


def avg_pool_same(x):
    """hk.avg_pool 2×2/2 'SAME': the mean over the window's pixels inside the image (padding not counted)."""
    total = F.avg_pool2d(pad_same(x, 2, 2), 2, 2, divisor_override=1)
    ones = torch.ones(1, 1, x.shape[2], x.shape[3], dtype=x.dtype)
    return total / F.avg_pool2d(pad_same(ones, 2, 2), 2, 2, divisor_override=1)


def dense(P, name, x):
    return x @ P[name + ".w"] + P[name + ".b"]


def forward(P, spec, x_nhwc):
    """Logits [N, classes] of the NF network (nf_resnet.NF_ResNet / nfnet.NFNet structure) for NHWC images."""
    a = spec["activation"]
    h = x_nhwc.permute(0, 3, 1, 2)
    for i, st in enumerate(spec["stem"]):
        h = ws_conv(P, f"stem.conv{i}", h, st["kernel"], st["stride"])
        if i < len(spec["stem"]) - 1:
            h = act(h, a)
    if spec["stemPool"]:
        h = max_pool_same(h)
    ch = spec["stem"][-1]["width"]
    alpha = spec["alpha"]
    expected_std = 1.0
    for s, (depth, out_ch, stage_stride) in enumerate(zip(spec["depths"], spec["widths"], spec["strides"])):
        for b in range(depth):
            name = f"stage{s + 1}.block{b}"
            stride = stage_stride if b == 0 else 1
            beta = 1.0 / expected_std
            width = int(out_ch * spec["bottleneckRatio"])
            groups = width // spec["groupWidth"] if spec["groupWidth"] > 0 else 1
            out = act(h, a) * beta
            if stride > 1 or ch != out_ch:
                if stride > 1 and spec["shortcut"] == "avgpool":
                    shortcut = ws_conv(P, name + ".conv_shortcut", avg_pool_same(out), 1, 1)
                else:
                    shortcut = ws_conv(P, name + ".conv_shortcut", out, 1, stride)
            else:
                shortcut = h
            r = ws_conv(P, name + ".conv0", out, 1, 1)
            r = ws_conv(P, name + ".conv1", act(r, a), 3, stride, groups)
            if spec["secondConv"]:
                r = ws_conv(P, name + ".conv1b", act(r, a), 3, 1, groups)
            r = ws_conv(P, name + ".conv2", act(r, a), 1, 1)
            if spec["se"]:
                # base.SqueezeExcite: sigmoid(fc1(relu(fc0(mean_hw)))), applied as 2·se·out (plain ReLU, no γ).
                pooled = r.mean(dim=(2, 3))
                gate = torch.sigmoid(dense(P, name + ".se.fc1", torch.clamp(dense(P, name + ".se.fc0", pooled), min=0)))
                r = 2 * gate.view(gate.shape[0], -1, 1, 1) * r
            h = r * P[name + ".skip_gain"] * alpha + shortcut
            ch = out_ch
            if b == 0:
                expected_std = 1.0
            expected_std = math.sqrt(expected_std ** 2 + alpha ** 2)
    if spec["finalConvMult"] > 0:
        h = ws_conv(P, "head.final_conv", h, 1, 1)
    pooled = act(h, a).mean(dim=(2, 3))
    return dense(P, "head.classifier", pooled)


def smoothed_loss(logits, labels, classes):
    """experiment.py: y = (1 − s)·onehot + s/K; mean over the batch of −Σ y·log_softmax(logits)."""
    y = F.one_hot(labels, classes).to(logits.dtype) * (1 - LABEL_SMOOTHING) + LABEL_SMOOTHING / classes
    return -(y * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()


# ------------------------------------------------------------------------------------------------- parameters


def param_table(spec, in_ch, classes):
    """Every parameter of the network: nfx name → (shape, role). Roles are nfx's PARAM_ROLES."""
    t = {}

    def conv(name, k, cin, cout, groups, role):
        t[name + ".w"] = ([k, k, cin // groups, cout], role)
        t[name + ".gain"] = ([cout], "gain")
        t[name + ".bias"] = ([cout], "bias")

    ch = in_ch
    for i, st in enumerate(spec["stem"]):
        conv(f"stem.conv{i}", st["kernel"], ch, st["width"], 1, "stem_conv")
        ch = st["width"]
    for s, (depth, out_ch, stage_stride) in enumerate(zip(spec["depths"], spec["widths"], spec["strides"])):
        for b in range(depth):
            name = f"stage{s + 1}.block{b}"
            stride = stage_stride if b == 0 else 1
            width = int(out_ch * spec["bottleneckRatio"])
            groups = width // spec["groupWidth"] if spec["groupWidth"] > 0 else 1
            if stride > 1 or ch != out_ch:
                conv(name + ".conv_shortcut", 1, ch, out_ch, 1, "shortcut_conv")
            conv(name + ".conv0", 1, ch, width, 1, "body_conv")
            conv(name + ".conv1", 3, width, width, groups, "body_conv")
            if spec["secondConv"]:
                conv(name + ".conv1b", 3, width, width, groups, "body_conv")
            conv(name + ".conv2", 1, width, out_ch, 1, "body_conv")
            if spec["se"]:
                hidden = max(1, int(out_ch * spec["seRatio"]))
                t[name + ".se.fc0.w"] = ([out_ch, hidden], "se_weight")
                t[name + ".se.fc0.b"] = ([hidden], "se_bias")
                t[name + ".se.fc1.w"] = ([hidden, out_ch], "se_weight")
                t[name + ".se.fc1.b"] = ([out_ch], "se_bias")
            t[name + ".skip_gain"] = ([], "skip_gain")
            ch = out_ch
    if spec["finalConvMult"] > 0:
        cout = int(round(ch * spec["finalConvMult"]))
        conv("head.final_conv", 1, ch, cout, 1, "body_conv")
        ch = cout
    t["head.classifier.w"] = ([ch, classes], "classifier_weight")
    t["head.classifier.b"] = ([classes], "classifier_bias")
    return t


FLOORED_BIAS = "stage2.block0.conv1.bias"
FLOORED_WS = "stage1.block0.conv0.w"


def draw(table, rng):
    """Weights with every branch visible: W ~ N(0, 1/fan_in) (the official fan-in init; classifier too, so that
    logits are O(1)), gains U(0.5, 1.5), biases N(0, 0.1²), skip gains ±U(0.3, 1)."""
    P = {}
    for name, (shape, role) in table.items():
        if role == "gain":
            v = rng.uniform(0.5, 1.5, shape)
        elif role in ("bias", "se_bias", "classifier_bias"):
            v = rng.normal(0, 0.1, shape)
        elif role == "skip_gain":
            v = rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 1.0)
        else:
            fan_in = int(np.prod(shape[:-1]))
            v = rng.normal(0, 1 / math.sqrt(fan_in), shape)
        # float32 values (what the fixture stores and nfx loads), computed on in float64.
        P[name] = torch.tensor(np.asarray(v, dtype=np.float32), dtype=torch.float64)
    # Two floors that random weights never reach, reached on purpose so that the fixture sees them:
    # - AGC's ε (‖W_i‖ floored at 1e-3, what lets zero-initialised gains and biases move): one bias vector of norm
    #   well below ε;
    # - WS's 1e-4 floor on N·var (a near-constant filter): output channel 0 of one kernel constant up to noise of
    #   N·var ≈ 1e-5, so its scale is rsqrt(1e-4) and the gradient through var is cut.
    bias = P[FLOORED_BIAS]
    P[FLOORED_BIAS] = torch.tensor(rng.normal(0, 1e-4, tuple(bias.shape)).astype(np.float32), dtype=torch.float64)
    w = P[FLOORED_WS].clone()
    fan_in = int(np.prod(w.shape[:-1]))
    noise = rng.normal(0, math.sqrt(1e-5 / fan_in), tuple(w.shape[:-1]))
    w[..., 0] = torch.tensor((0.3 + noise).astype(np.float32), dtype=torch.float64)
    P[FLOORED_WS] = w
    return P


# ------------------------------------------------------------------------------------------------ AGC and SGD


def unitwise_norm(x):
    """optim.unitwise_norm / agc_optax.unitwise_norm, rule for rule: a tensor that squeezes to <= 1 dimension
    (scalar, vector, [1, C], [1, 1, 1, C], [C, 1]) is one unit; rank 2 and 3 reduce axis 0 only ([in, out] dense
    kernels; rank 3 keeps axes 1 and 2); rank 4 reduces axes 0, 1, 2 (HWIO kernels); any other rank is refused."""
    if sum(1 for d in x.shape if d != 1) <= 1:
        return torch.sqrt((x ** 2).sum())
    if x.dim() in (2, 3):
        return torch.sqrt((x ** 2).sum(dim=0, keepdim=True))
    if x.dim() == 4:
        return torch.sqrt((x ** 2).sum(dim=(0, 1, 2), keepdim=True))
    raise ValueError(f"unitwise_norm: no rule for a rank-{x.dim()} tensor {tuple(x.shape)}")


def layer_norm(x):
    return torch.sqrt((x ** 2).sum())


def agc(grad, param, lam, unitwise=True):
    """optim.SGD_AGC.update_param's clip: where ‖G_i‖ > λ·max(‖W_i‖, ε), G_i·λ·max(‖W_i‖, ε)/max(‖G_i‖, 1e-6).
    Returns the clipped gradient and min |ratio/λ − 1| over the units (how far the nearest unit is from flipping)."""
    norm = unitwise_norm if unitwise else layer_norm
    max_norm = torch.clamp(norm(param), min=AGC_EPS) * lam
    g_norm = norm(grad)
    clipped = torch.where(g_norm > max_norm, grad * (max_norm / torch.clamp(g_norm, min=AGC_DIV_FLOOR)), grad)
    margin = float((g_norm / max_norm - 1).abs().min())
    frac = float((g_norm > max_norm).double().mean())
    return clipped, margin, frac


def clip_all(grads, P, table, lam, unitwise):
    """AGC on every parameter but the classifier weight (experiment_nfnets.py: the `linear` module outside
    squeeze_excite gets clipping None; its bias is clipped)."""
    out, margin, fracs = {}, (math.inf, ""), []
    for name, g in grads.items():
        if table[name][1] == "classifier_weight":
            out[name] = g
            continue
        out[name], m, f = agc(g, P[name], lam, unitwise)
        margin = min(margin, (m, name))
        fracs.append(f)
    return out, margin, float(np.mean(fracs))


def peak_lr():
    return BASE_LR * BATCH / 256


def lr_at(step, peak=None):
    """The official optim.WarmupCosineDecay (start_val 0, min_val 0) at itr = step: peak·s/W while s < W (step 0 runs
    at lr 0 and still fills the momentum buffer), then cosine to 0 at TOTAL_STEPS — nfx's train/schedule.ts."""
    peak = peak_lr() if peak is None else peak
    if step < WARMUP_STEPS:
        return peak * step / WARMUP_STEPS
    t = (step - WARMUP_STEPS) / (TOTAL_STEPS - WARMUP_STEPS)
    return 0.5 * peak * (1 + math.cos(math.pi * t))


DECAYED = {"stem_conv", "body_conv", "shortcut_conv", "se_weight", "classifier_weight"}


def sgd_steps(P, table, spec, batches, classes):
    """optim.SGD_AGC: clip (unit-wise, λ = 0.01) → + wd·w for weights only (experiment.py: no decay on names 'b',
    '*gain*', '*bias*') → buf = μ·buf + g → g + μ·buf (Nesterov) → w − lr·g."""
    W = {k: v.clone() for k, v in P.items()}
    bufs = {k: torch.zeros_like(v) for k, v in P.items()}
    losses, lrs, margins = [], [], []
    for step, (x, y) in enumerate(batches):
        params = {k: v.clone().requires_grad_(True) for k, v in W.items()}
        loss = smoothed_loss(forward(params, spec, x), y, classes)
        names = list(params)
        grads = dict(zip(names, torch.autograd.grad(loss, [params[n] for n in names])))
        clipped, margin, _ = clip_all(grads, W, table, RECIPE_LAMBDA, True)
        lr = lr_at(step)
        for n in names:
            g = clipped[n]
            if table[n][1] in DECAYED:
                g = g + WEIGHT_DECAY * W[n]
            bufs[n] = MOMENTUM * bufs[n] + g
            W[n] = W[n] - lr * (g + MOMENTUM * bufs[n])
        losses.append(float(loss))
        lrs.append(lr)
        margins.append(margin)
    return W, losses, lrs, margins


# --------------------------------------------------------------------------------------------------- optimizers
# nfx's other optimizers (optim.name, issue 26), three steps each on the same weights and batches as the SGD recipe,
# with the same AGC (unit-wise, λ = 0.01, classifier weight unclipped) acting on the raw gradient first. Adam and
# AdamW are PyTorch's own (torch.optim.Adam / AdamW, two parameter groups: weights decayed, gains, biases and skip
# gains not). LARS is written here from its paper (You, Gitman, Ginsburg 2017, arXiv:1708.03888, Algorithm 1).
# The settings make every quantity visible: a weight decay large enough to move the weights, Adam's ε well above
# float32's noise δ on the gradients (an update moves by up to lr·δ/ε; with ε = 1e-8 an element whose gradient
# is noise moves by ±lr either way; ε = 1e-4 left float32 itself 1.1e-4 off), LARS's η so that its steps are ~1%
# of the weights.
OPTIMIZER_RUNS = {
    "adam": {"peak_lr": 1e-2, "weight_decay": 1e-2, "beta1": 0.9, "beta2": 0.99, "eps": 1e-3},
    "adamw": {"peak_lr": 1e-2, "weight_decay": 5e-2, "beta1": 0.8, "beta2": 0.999, "eps": 1e-3},
    "lars": {"peak_lr": 0.5, "weight_decay": 1e-3, "momentum": 0.9, "trust": 0.02},
}


def lars_update(W, bufs, grads, table, lr, s):
    """You et al. 2017, Algorithm 1, per weight tensor: λ = η·‖W‖/(‖G‖ + β‖W‖); v ← μv + γ·λ·(G + βW); W ← W − v.
    Gains, biases and skip gains (not decayed in the recipe) take plain momentum SGD: v ← μv + γG. Where ‖W‖ or
    ‖G‖ is 0 the ratio is 1."""
    for n, g in grads.items():
        if table[n][1] in DECAYED:
            wn, gn = float(W[n].norm()), float(g.norm())
            ratio = s["trust"] * wn / (gn + s["weight_decay"] * wn) if wn > 0 and gn > 0 else 1.0
            g = ratio * (g + s["weight_decay"] * W[n])
        bufs[n] = s["momentum"] * bufs[n] + lr * g
        W[n] = W[n] - bufs[n]


def torch_adam(name, leaves, table, s):
    decayed = [t for n, t in leaves.items() if table[n][1] in DECAYED]
    others = [t for n, t in leaves.items() if table[n][1] not in DECAYED]
    cls = torch.optim.AdamW if name == "adamw" else torch.optim.Adam
    groups = [{"params": decayed, "weight_decay": s["weight_decay"]}, {"params": others, "weight_decay": 0.0}]
    return cls(groups, lr=s["peak_lr"], betas=(s["beta1"], s["beta2"]), eps=s["eps"])


def optimizer_steps(name, P, table, spec, batches, classes):
    """Three steps of optimizer `name` (OPTIMIZER_RUNS) after unit-wise AGC: the weights after, each step's LR and
    loss (before its update), and the nearest any unit came to the clipping threshold."""
    s = OPTIMIZER_RUNS[name]
    leaves = {k: v.clone().requires_grad_(True) for k, v in P.items()}
    bufs = {k: torch.zeros_like(v) for k, v in P.items()}
    opt = torch_adam(name, leaves, table, s) if name.startswith("adam") else None
    losses, lrs, margin = [], [], (math.inf, "")
    for step, (x, y) in enumerate(batches):
        loss = smoothed_loss(forward(leaves, spec, x), y, classes)
        names = list(leaves)
        grads = dict(zip(names, torch.autograd.grad(loss, [leaves[n] for n in names])))
        W = {k: v.detach() for k, v in leaves.items()}
        clipped, m, _ = clip_all(grads, W, table, RECIPE_LAMBDA, True)
        margin = min(margin, m)
        lr = lr_at(step, s["peak_lr"])
        with torch.no_grad():
            if opt is None:
                W = {k: v.clone() for k, v in W.items()}
                lars_update(W, bufs, clipped, table, lr, s)
                for k in names:
                    leaves[k].copy_(W[k])
            else:
                for k in names:
                    leaves[k].grad = clipped[k]
                for group in opt.param_groups:
                    group["lr"] = lr
                opt.step()
        losses.append(float(loss))
        lrs.append(lr)
    return {k: v.detach() for k, v in leaves.items()}, losses, lrs, margin


def optimizer_fixture(seed):
    """Every optimizer of OPTIMIZER_RUNS on both networks, float64, with float32's own distance from it."""
    nets = {}
    for i, (key, net) in enumerate(NETS.items()):
        runs = {}
        for name, s in OPTIMIZER_RUNS.items():
            out = {}
            for dtype in (torch.float64, torch.float32):
                r = setup_net(key, net, seed + i, dtype)
                out[dtype] = (r, optimizer_steps(name, r["P"], r["table"], r["spec"], r["batches"], net["classes"]))
            (r, (final, losses, lrs, margin)), (r32, (final32, *_)) = out[torch.float64], out[torch.float32]
            runs[name] = {
                "settings": {**s, "base_lr": s["peak_lr"] * 256 / BATCH, "batch_size": BATCH,
                             "warmup_steps": WARMUP_STEPS, "total_steps": TOTAL_STEPS, "agc_lambda": RECIPE_LAMBDA},
                "lrs": lrs, "losses": losses, "clip_margin": margin,
                # The update against its own size, floored at 1% of the tensor's largest weight, as the test measures.
                "float32_vs_float64": {"weight_deltas": max(
                    float(((final32[n].double() - r32["P"][n].double()) - (final[n] - r["P"][n])).abs().max()) /
                    max(float((final[n] - r["P"][n]).abs().max()), 1e-2 * float(r["P"][n].abs().max()), 1e-30)
                    for n in final)},
                "weights_after": {n: pack(final[n]) for n in final},
            }
            print(f"{key} {name}: losses {losses}, clip margin {margin}, float32 vs float64 "
                  f"{runs[name]['float32_vs_float64']}", file=sys.stderr)
        nets[key] = {"seed": seed + i, "optimizers": runs}
    return {"about": "reference/torch_nfx.py optimizer_fixture (PyTorch float64): the weights after three steps of "
                     "each optimizer, from the weights and batches of fixtures/torch/<net>.json",
            "torch": torch.__version__, "nets": nets}


# --------------------------------------------------------------------------------------------------------- main


def pack(t):
    a = t.detach().cpu().numpy().astype("<f4")  # (np.ascontiguousarray would make a scalar [1])
    return {"shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode("ascii")}


def pick_lambda(grads, P, table):
    """A λ for the stand-alone clip fixtures that clips some units and not others, with no unit within 2% of the
    threshold (so float32 rounding cannot flip a unit): the midpoint of the widest gap between ratios near the
    median ‖G_i‖/max(‖W_i‖, ε)."""
    ratios = []
    for name, g in grads.items():
        if table[name][1] == "classifier_weight":
            continue
        r = unitwise_norm(g) / torch.clamp(unitwise_norm(P[name]), min=AGC_EPS)
        ratios += r.flatten().tolist()
    ratios = np.sort(np.log(np.maximum(np.asarray(ratios), 1e-30)))  # a dead SE unit has a zero gradient
    n = len(ratios)
    lo, hi = n // 3, 2 * n // 3
    gaps = ratios[lo + 1:hi + 1] - ratios[lo:hi]
    i = lo + int(np.argmax(gaps))
    return float(np.exp((ratios[i] + ratios[i + 1]) / 2))


def setup_net(key, net, seed, dtype):
    """A network's weights and batches, drawn from `seed`: the same for every fixture of that seed."""
    spec = spec_of(net["nfx"])
    h, w, c = net["input"]
    classes = net["classes"]
    rng = np.random.default_rng(seed)
    table = param_table(spec, c, classes)
    P = draw(table, rng)
    batches = []
    for _ in range(STEPS):
        x = rng.normal(0, 1, (BATCH, h, w, c)).astype(np.float32)
        y = rng.integers(0, classes, BATCH)
        batches.append((torch.tensor(x, dtype=torch.float64), torch.tensor(y)))
    P = {k: v.to(dtype) for k, v in P.items()}
    batches = [(x.to(dtype), y) for x, y in batches]
    return {"spec": spec, "table": table, "P": P, "batches": batches}


def run_net(key, net, seed, dtype):
    setup = setup_net(key, net, seed, dtype)
    spec, table, P, batches = setup["spec"], setup["table"], setup["P"], setup["batches"]
    classes = net["classes"]
    x0, y0 = batches[0]
    params = {k: v.clone().requires_grad_(True) for k, v in P.items()}
    logits = forward(params, spec, x0)
    loss = smoothed_loss(logits, y0, classes)
    names = list(params)
    grads = dict(zip(names, torch.autograd.grad(loss, [params[n] for n in names])))
    lam = pick_lambda(grads, P, table)
    unit, unit_margin, unit_frac = clip_all(grads, P, table, lam, True)
    layer, layer_margin, layer_frac = clip_all(grads, P, table, lam, False)
    final, losses, lrs, margins = sgd_steps(P, table, spec, batches, classes)
    return {
        "spec": spec, "table": table, "P": P, "batches": batches, "logits": logits.detach(), "loss": float(loss),
        "grads": grads, "lambda": lam, "unit": unit, "layer": layer, "final": final, "losses": losses, "lrs": lrs,
        "margins": {"unit": unit_margin, "layer": layer_margin, "steps": margins},
        "fracs": {"unit": unit_frac, "layer": layer_frac},
    }


def rel(a, b):
    return float((a - b).abs().max() / max(float(b.abs().max()), 1e-30))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "torch"))
    ap.add_argument("--only-optimizers", action="store_true",
                    help="write only fixtures/torch/optimizers.json (the networks' own fixtures stay as they are)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    path = os.path.join(args.out, "optimizers.json")
    with open(path, "w") as f:
        json.dump(optimizer_fixture(args.seed), f, separators=(",", ":"))
    print(f"optimizers: {os.path.getsize(path) / 1e3:.0f} kB", file=sys.stderr)
    if args.only_optimizers:
        return
    for i, (key, net) in enumerate(NETS.items()):
        r = run_net(key, net, args.seed + i, torch.float64)
        # The same computation in float32: how far float32 arithmetic alone moves each quantity (the floor any
        # float32 implementation, nfx included, can be held to).
        r32 = run_net(key, net, args.seed + i, torch.float32)
        f32 = {
            "logits": rel(r32["logits"].double(), r["logits"]),
            "grads": max(rel(r32["grads"][n].double(), r["grads"][n]) for n in r["grads"]),
            "clipped_unit": max(rel(r32["unit"][n].double(), r["unit"][n]) for n in r["unit"]),
            "clipped_layer": max(rel(r32["layer"][n].double(), r["layer"][n]) for n in r["layer"]),
            "weights_after": max(rel(r32["final"][n].double(), r["final"][n]) for n in r["final"]),
            "weight_deltas": max(
                rel(r32["final"][n].double() - r32["P"][n].double(), r["final"][n] - r["P"][n]) for n in r["final"]),
        }
        names = list(r["table"])
        fixture = {
            "about": "reference/torch_nfx.py (PyTorch float64): nfx parameter names and layouts; arrays are base64 "
                     "little-endian float32",
            "torch": torch.__version__,
            "seed": args.seed + i,
            "nfx": net["nfx"],
            "num_classes": net["classes"],
            "input_shape": net["input"],
            "label_smoothing": LABEL_SMOOTHING,
            "agc": {"eps": AGC_EPS, "lambda": r["lambda"], "exclude": ["classifier_weight"],
                    "clipped_fraction": r["fracs"], "margin": r["margins"]},
            "recipe": {"lambda": RECIPE_LAMBDA, "momentum": MOMENTUM, "nesterov": True, "weight_decay": WEIGHT_DECAY,
                       "base_lr": BASE_LR, "batch_size": BATCH, "warmup_steps": WARMUP_STEPS,
                       "total_steps": TOTAL_STEPS, "lrs": r["lrs"], "losses": r["losses"]},
            "float32_vs_float64": f32,
            "roles": {n: r["table"][n][1] for n in names},
            "images": [pack(x) for x, _ in r["batches"]],
            "labels": [y.tolist() for _, y in r["batches"]],
            "params": {n: pack(r["P"][n]) for n in names},
            "logits": pack(r["logits"]),
            "loss": r["loss"],
            "grads": {n: pack(r["grads"][n]) for n in names},
            "clipped_unit": {n: pack(r["unit"][n]) for n in names},
            "clipped_layer": {n: pack(r["layer"][n]) for n in names},
            "weights_after": {n: pack(r["final"][n]) for n in names},
        }
        path = os.path.join(args.out, f"{key}.json")
        with open(path, "w") as f:
            json.dump(fixture, f, separators=(",", ":"))
        count = sum(int(np.prod(s)) for s, _ in r["table"].values())
        print(f"{key}: {count} parameters, {len(names)} tensors, loss {r['loss']:.6f}, λ {r['lambda']:.4g} "
              f"(unit clipped {r['fracs']['unit']:.2f}, layer {r['fracs']['layer']:.2f}, margins "
              f"{r['margins']['unit']}/{r['margins']['layer']}, recipe {min(r['margins']['steps'])}), "
              f"lrs {r['lrs']}, losses {r['losses']}; float32 vs float64 {f32}; "
              f"{os.path.getsize(path) / 1e3:.0f} kB", file=sys.stderr)


if __name__ == "__main__":
    main()
