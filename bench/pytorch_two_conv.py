"""PyTorch reference for `nfx bench`'s two-conv step, on one CPU thread (issue #3's yardstick).

The same problem as src/core/engine/bench/bench.ts: x [32, 64, 32, 32] (NCHW), two 3x3 convs 64 -> 64 without bias,
"same" padding, relu between, loss = mean(y^2), gradients w.r.t. both filters. Prints one JSON line with the
median over repetitions. `nfx bench` runs it when python3 can import torch, to compare on the same machine.

    python3 bench/pytorch_two_conv.py [--batch 32] [--min-time 3]

Debian/Ubuntu: `apt-get install python3-torch` gives a CPU build (1.13 on Debian 12).
"""

import argparse
import json
import platform
import statistics
import time

import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--min-time", type=float, default=3.0, help="seconds of timed repetitions")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    x = torch.randn(args.batch, 64, 32, 32)
    w1 = (torch.randn(64, 64, 3, 3) * 0.05).requires_grad_()
    w2 = (torch.randn(64, 64, 3, 3) * 0.05).requires_grad_()

    def step() -> None:
        y = torch.nn.functional.conv2d(torch.relu(torch.nn.functional.conv2d(x, w1, padding=1)), w2, padding=1)
        loss = (y * y).mean()
        g1, g2 = torch.autograd.grad(loss, [w1, w2])
        float(g1.sum() + g2.sum())

    for _ in range(2):
        step()
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < args.min_time or len(times) < 5:
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    print(
        json.dumps(
            {
                "case": f"two-conv step {args.batch}x32x32x64, 3x3 (fwd+bwd)",
                "framework": f"pytorch {torch.__version__}",
                "threads": torch.get_num_threads(),
                "median_ms": round(statistics.median(times), 1),
                "min_ms": round(min(times), 1),
                "reps": len(times),
                "cpu": platform.processor() or platform.machine(),
                "mkldnn": torch.backends.mkldnn.is_available(),
            }
        )
    )


if __name__ == "__main__":
    main()
