"""PyTorch beside nfx for nf-resnet-micro: one training step, and optionally a whole fashion.quick run (issue 18).

The network, loss and AGC norms are reference/torch_nfx.py's (an independent PyTorch implementation of the
official NF-ResNet, imported here, not copied), at nfx's real `nf-resnet-micro` row (src/core/models/variants.ts:
one 3x3 WS-conv stem to 16, three bottleneck stages of one block, widths 32/64/128, stride 2 each, ratio 0.5,
ReLU, alpha 0.2; 28x28x1 input, 10 classes; 78,077 parameters), float32, one CPU thread.

One step = forward, label-smoothed (0.1) cross-entropy, backward, unit-wise AGC (lambda 0.04, eps 1e-3; the
classifier weight and skip gains excluded, as configs/fashion.quick.yaml), weight decay 2e-5 on weights only, SGD
with Nesterov momentum 0.9 (optim.SGD_AGC of the official code; nfx's src/core/train/sgd.ts). Prints one JSON line
with the median over >= 10 timed steps after warmup.

--run trains configs/fashion.quick.yaml's recipe: batch 128, 1.5 epochs of nfx's 60,000 training images
(round(1.5 * floor(60000/128)) = 702 steps), base lr 0.4 (peak 0.4*128/256), linear warmup over round(0.1 * 468)
steps then cosine to 0 (src/core/train/schedule.ts), nfx's init (conv W ~ N(0, 1/fan_in), gains 1, biases 0, skip
gains 0, classifier N(0, 0.01^2)), data reshuffled every epoch, no augmentation; then test top-1 on nfx's 10,000
test images. The images are nfx's: bench/exportFashionMnist.ts writes nfx's cached table in nfx's split (run via
node + tsx when --data is not given); normalised with nfx's constants.

    /usr/bin/python3 bench/pytorch_nf_resnet_micro.py [--batch 32] [--min-time 3] [--run] [--data FILE]
    /usr/bin/python3 bench/pytorch_nf_resnet_micro.py --self-check   # the step == torch_nfx.py's recipe (float64)
"""

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "reference"))
import torch_nfx as ref  # noqa: E402

MODEL = "nf-resnet-micro"
CLASSES = 10
LAMBDA = 0.04  # configs/fashion.quick.yaml agc.lambda
EXCLUDE = {"classifier_weight", "skip_gain"}  # configs/fashion.quick.yaml agc.exclude
MOMENTUM = 0.9  # nfx default optim.momentum (paper)
WEIGHT_DECAY = 2e-5  # nfx default optim.weight_decay (paper)
DECAYED = {"stem_conv", "body_conv", "shortcut_conv", "se_weight", "classifier_weight"}
MEAN, STD = 0.2862604401760704, 0.35299013019571057  # nfx FASHION_MNIST_NORMALIZATION


def init_params(table, gen):
    """nfx's initialisers (src/core/models/plan.ts), in nfx's layouts (HWIO kernels, [in, out] dense)."""
    P = {}
    for name, (shape, role) in table.items():
        if role == "gain":
            v = torch.ones(shape)
        elif role in ("bias", "classifier_bias", "skip_gain"):
            v = torch.zeros(shape)
        elif role == "classifier_weight":
            v = torch.randn(shape, generator=gen) * 0.01
        else:
            v = torch.randn(shape, generator=gen) / math.sqrt(int(np.prod(shape[:-1])))
        P[name] = v.requires_grad_(True)
    return P


class Trainer:
    """The training step: gradient, unit-wise AGC (exclusions as fashion.quick), weight decay, Nesterov SGD."""

    def __init__(self, spec, table, P, lam=LAMBDA, exclude=frozenset(EXCLUDE), classes=CLASSES):
        self.spec, self.table, self.P, self.classes = spec, table, P, classes
        self.lam, self.exclude = lam, exclude
        self.names = list(P)
        self.bufs = {n: torch.zeros_like(P[n]) for n in self.names}

    def step(self, x, y, lr):
        loss = ref.smoothed_loss(ref.forward(self.P, self.spec, x), y, self.classes)
        grads = torch.autograd.grad(loss, [self.P[n] for n in self.names])
        with torch.no_grad():
            for n, g in zip(self.names, grads):
                w = self.P[n]
                role = self.table[n][1]
                if role not in self.exclude:
                    max_norm = torch.clamp(ref.unitwise_norm(w), min=ref.AGC_EPS) * self.lam
                    g_norm = ref.unitwise_norm(g)
                    g = torch.where(g_norm > max_norm, g * (max_norm / torch.clamp(g_norm, min=ref.AGC_DIV_FLOOR)), g)
                if role in DECAYED:
                    g = g + WEIGHT_DECAY * w
                buf = self.bufs[n]
                buf.mul_(MOMENTUM).add_(g)
                w.sub_(lr * (g + MOMENTUM * buf))
        return loss


def build(seed):
    spec = ref.spec_of({"name": MODEL})
    table = ref.param_table(spec, 1, CLASSES)
    gen = torch.Generator().manual_seed(seed)
    return spec, table, init_params(table, gen)


def bench_step(args):
    spec, table, P = build(0)
    exclude = frozenset(e for e in args.exclude.split(",") if e)
    trainer = Trainer(spec, table, P, args.agc_lambda, exclude)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(args.batch, 28, 28, 1, generator=gen)
    y = torch.randint(0, CLASSES, (args.batch,), generator=gen)
    lr = args.lr if args.lr is not None else 0.4 * args.batch / 256
    for _ in range(3):
        float(trainer.step(x, y, lr))
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < args.min_time or len(times) < 10:
        t0 = time.perf_counter()
        float(trainer.step(x, y, lr))
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "case": f"{MODEL} training step, batch {args.batch}, 28x28x1, unit-wise AGC {args.agc_lambda} "
                f"(excluding {', '.join(sorted(exclude)) or 'nothing'}), SGD Nesterov + wd",
        "params": sum(int(np.prod(s)) for s, _ in table.values()),
        "median_ms": round(statistics.median(times), 1),
        "min_ms": round(min(times), 1),
        "reps": len(times),
    }


def load_data(path):
    if path is None:
        path = os.path.join(tempfile.mkdtemp(prefix="nfx-fm-"), "fashion-mnist.bin")
        subprocess.run(["node", "--import", "tsx", os.path.join(ROOT, "bench", "exportFashionMnist.ts"), path],
                       check=True, cwd=ROOT)
    raw = np.fromfile(path, dtype=np.uint8)
    n_train, n_test, h, w = (int(v) for v in raw[:16].view("<u4"))
    px = h * w
    o = 16
    parts = []
    for n in (n_train, n_test):
        images = raw[o:o + n * px].reshape(n, h, w, 1)
        o += n * px
        labels = raw[o:o + n]
        o += n
        x = (torch.from_numpy(images.astype(np.float32)) / 255 - MEAN) / STD
        parts.append((x, torch.from_numpy(labels.astype(np.int64))))
    return parts


def run(args):
    t_start = time.perf_counter()
    (xtr, ytr), (xte, yte) = load_data(args.data)
    t_data = time.perf_counter() - t_start
    spec, table, P = build(args.seed)
    trainer = Trainer(spec, table, P)
    batch = args.run_batch
    steps_per_epoch = xtr.shape[0] // batch
    total = max(1, round(args.run_epochs * steps_per_epoch))
    warmup = round(0.1 * steps_per_epoch)
    peak = 0.4 * batch / 256

    def lr_at(step):  # src/core/train/schedule.ts lrAt
        if warmup > 0 and step < warmup:
            return peak * (step + 1) / warmup
        t = min(1.0, (step - warmup) / max(1, total - warmup))
        return 0.5 * peak * (1 + math.cos(math.pi * t))

    gen = torch.Generator().manual_seed(args.seed)
    step, losses = 0, []
    t_train = time.perf_counter()
    while step < total:
        perm = torch.randperm(xtr.shape[0], generator=gen)
        for b in range(steps_per_epoch):
            if step >= total:
                break
            idx = perm[b * batch:(b + 1) * batch]
            losses.append(float(trainer.step(xtr[idx], ytr[idx], lr_at(step))))
            step += 1
    train_s = time.perf_counter() - t_train
    correct = 0
    with torch.no_grad():
        for b in range(0, xte.shape[0], 1000):
            logits = ref.forward(P, spec, xte[b:b + 1000])
            correct += int((logits.argmax(dim=1) == yte[b:b + 1000]).sum())
    return {
        "case": f"configs/fashion.quick.yaml recipe (batch {batch}, {args.run_epochs} epochs, lr 0.4, warmup 0.1 epoch + cosine, "
                f"unit-wise AGC {LAMBDA}, label smoothing 0.1)",
        "steps": total,
        "final_loss": round(statistics.mean(losses[-20:]), 4),
        "test_top1": correct / xte.shape[0],
        "train_s": round(train_s, 1),
        "images_per_s": round(total * batch / train_s, 1),
        "data_s": round(t_data, 1),
        "wall_s": round(time.perf_counter() - t_start, 1),
    }


def self_check():
    """The timed step is the reference recipe: three steps of Trainer (λ 0.01, classifier weight excluded, as
    torch_nfx's RECIPE) in float64 against torch_nfx.sgd_steps on its nf-resnet-tiny net. Returns the largest
    relative difference of the weights; raises when it exceeds 1e-10."""
    net = ref.NETS["nf-resnet-tiny"]
    spec = ref.spec_of(net["nfx"])
    h, w, c = net["input"]
    classes = net["classes"]
    rng = np.random.default_rng(5)
    table = ref.param_table(spec, c, classes)
    P0 = ref.draw(table, rng)
    batches = [(torch.tensor(rng.normal(0, 1, (ref.BATCH, h, w, c))), torch.tensor(rng.integers(0, classes, ref.BATCH)))
               for _ in range(ref.STEPS)]
    want, _, lrs, _ = ref.sgd_steps(P0, table, spec, batches, classes)
    P = {k: v.clone().requires_grad_(True) for k, v in P0.items()}
    trainer = Trainer(spec, table, P, ref.RECIPE_LAMBDA, frozenset({"classifier_weight"}), classes)
    for (x, y), lr in zip(batches, lrs):
        trainer.step(x, y, lr)
    worst = max(ref.rel(P[n].detach(), want[n]) for n in want)
    if not worst < 1e-10:
        raise SystemExit(f"self-check: the timed step differs from reference/torch_nfx.py's recipe by {worst:.3g}")
    return worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--min-time", type=float, default=3.0, help="seconds of timed steps (at least 10 steps)")
    ap.add_argument("--run", action="store_true", help="also train fashion.quick's recipe and report test top-1")
    ap.add_argument("--run-batch", type=int, default=128, help="--run's batch size (default fashion.quick's 128)")
    ap.add_argument("--run-epochs", type=float, default=1.5, help="--run's epochs (default fashion.quick's 1.5)")
    ap.add_argument("--data", help="a file from bench/exportFashionMnist.ts (default: write one now)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lambda", dest="agc_lambda", type=float, default=LAMBDA,
                    help="AGC lambda of the timed step (default fashion.quick's 0.04; nfx bench training uses 0.01)")
    ap.add_argument("--exclude", default=",".join(sorted(EXCLUDE)),
                    help="comma-separated roles AGC skips in the timed step (default fashion.quick's)")
    ap.add_argument("--lr", type=float, help="learning rate of the timed step (default 0.4*batch/256)")
    ap.add_argument("--self-check", action="store_true",
                    help="only check the step against reference/torch_nfx.py's recipe (float64, 3 steps) and exit")
    args = ap.parse_args()
    if args.self_check:
        torch.set_num_threads(1)
        print(json.dumps({"self_check": "ok", "max_rel_weight_diff": self_check()}))
        return
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)
    out = {
        "framework": f"pytorch {torch.__version__}",
        "threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
        "load_avg": [round(v, 2) for v in os.getloadavg()],
        "step": bench_step(args),
    }
    if args.run:
        out["run"] = run(args)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
