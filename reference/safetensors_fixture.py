"""The safetensors reference file nfx's reader is tested against, written by huggingface's own `safetensors`.

    python reference/safetensors_fixture.py                  # writes reference/fixtures/safetensors-reference.safetensors
    python reference/safetensors_fixture.py --check FILE     # loads a file nfx wrote and prints its tensors

Needs `pip install safetensors numpy` (measured with safetensors 0.8.0, numpy 2.4.6). The tensors are small and
their values are given by formulas that test/train/checkpointFile.test.ts repeats: 0.5 * arange - 1 (float32) and
arange * -3 (int32).
"""

import sys

import numpy as np
from safetensors.numpy import load_file, save_file

OUT = "reference/fixtures/safetensors-reference.safetensors"


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        for name, value in sorted(load_file(sys.argv[2]).items()):
            print(name, value.dtype, list(value.shape), value.ravel()[:6].tolist())
        return
    tensors = {
        "param/stem.w": (0.5 * np.arange(24, dtype=np.float32) - 1).reshape(2, 3, 4),
        "momentum/head.b": (0.5 * np.arange(5, dtype=np.float32) - 1),
        "scalar": np.array(3.25, dtype=np.float32),
        "counts": np.arange(6, dtype=np.int32).reshape(3, 2) * -3,
        "empty": np.zeros((0, 4), dtype=np.float32),
    }
    save_file(tensors, OUT, metadata={"nfx.checkpoint": '{"format":1}', "format": "np"})
    print("wrote", OUT)


if __name__ == "__main__":
    main()
