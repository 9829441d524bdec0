// The zoo as a table: each variant is a row of numbers, built by the same code. Values come from the official
// code (`base.py`, `nfnet.py`, `nf_resnet.py`) as summarised in PAPER.md; CPU-scale rows shrink width, depth and
// stem so that Fashion-MNIST (28×28×1) or CIFAR (32×32×3) trains in minutes on two cores.
import type { ModelSpec } from "./spec.js";

const NFNET_BASE: Omit<ModelSpec, "name" | "base" | "depths" | "dropout" | "trainPx" | "testPx"> = {
  family: "nfnet",
  norm: "none",
  // Four 3×3 WS convs 16/2 → 32 → 64 → 128/2; the last one's width is half the first stage's.
  stem: [
    { width: 16, kernel: 3, stride: 2 },
    { width: 32, kernel: 3, stride: 1 },
    { width: 64, kernel: 3, stride: 1 },
    { width: 128, kernel: 3, stride: 2 },
  ],
  stemBias: true,
  stemPool: false,
  widths: [256, 512, 1536, 1536],
  strides: [1, 2, 2, 2],
  bottleneckRatio: 0.5,
  groupWidth: 128,
  secondConv: true,
  se: true,
  seRatio: 0.5,
  shortcut: "avgpool",
  activation: "gelu",
  alpha: 0.2,
  stochDepth: 0.25,
  finalConvMult: 2,
  ws: true,
  skipGainInit: 0,
  inChannels: 3,
  numClasses: 1000,
};

function nfnet(name: string, depths: number[], trainPx: number, testPx: number, dropout: number): ModelSpec {
  return { ...NFNET_BASE, name, base: name, depths, trainPx, testPx, dropout };
}

const RESNET_BASE: Omit<ModelSpec, "name" | "base" | "family" | "norm" | "depths"> = {
  // 7×7/2 WS conv to 64, then 3×3/2 max-pool.
  stem: [{ width: 64, kernel: 7, stride: 2 }],
  // With a bias, as the official network: `nf_resnet.py` asks for its initial conv `with_bias=False`, but the
  // official `WSConv2D` ignores that and always adds one ("Always add bias"), so every official NF-ResNet has a
  // learned per-channel offset after the stem conv (NF-ResNet-50: 25,557,048 parameters, not 25,556,984).
  // BN rows (bn-resnet-*) have no conv biases at all: the norm that follows supplies the offset.
  stemBias: true,
  stemPool: true,
  widths: [256, 512, 1024, 2048],
  strides: [1, 2, 2, 2],
  bottleneckRatio: 0.25,
  groupWidth: 0,
  secondConv: false,
  se: false,
  seRatio: 0.25,
  shortcut: "strided",
  activation: "relu",
  alpha: 0.2,
  stochDepth: 0.1,
  dropout: 0.25,
  finalConvMult: 0,
  ws: true,
  skipGainInit: 0,
  trainPx: 224,
  testPx: 224,
  inChannels: 3,
  numClasses: 1000,
};

function resnet(name: string, norm: ModelSpec["norm"], depths: number[]): ModelSpec {
  const family = norm === "none" ? "nf-resnet" : "bn-resnet";
  return { ...RESNET_BASE, name, base: name, family, norm, depths };
}

// CPU scale, 28×28×1 Fashion-MNIST by default. One 3×3 conv stem at full resolution, three pre-activation
// bottleneck stages that each halve the resolution (28 → 14 → 7 → 4): about 3.4M MACs per image, so a sweep of
// six short runs fits in minutes on a 2-core wasm backend. Bottleneck ratio 0.5 (not ResNet's 0.25) keeps the 3×3
// convs at least 16 channels wide. No stochastic depth or dropout: with three blocks and a few epochs they only
// slow convergence; override them to study them.
const MICRO_RESNET: Omit<ModelSpec, "name" | "base" | "family" | "norm"> = {
  stem: [{ width: 16, kernel: 3, stride: 1 }],
  // Every WS conv of an official NF network carries a bias (`base.WSConv2D`), the stem's included; see RESNET_BASE.
  stemBias: true,
  stemPool: false,
  depths: [1, 1, 1],
  widths: [32, 64, 128],
  strides: [2, 2, 2],
  bottleneckRatio: 0.5,
  groupWidth: 0,
  secondConv: false,
  se: false,
  seRatio: 0.25,
  shortcut: "strided",
  activation: "relu",
  alpha: 0.2,
  stochDepth: 0,
  dropout: 0,
  finalConvMult: 0,
  ws: true,
  skipGainInit: 0,
  trainPx: 28,
  testPx: 28,
  inChannels: 1,
  numClasses: 10,
};

// NFNet topology (grouped convs, second 3×3, SE, GELU, avg-pool shortcut, head conv) at CPU scale: group width 16
// gives 2/4/8 groups, as F0's stages have several groups.
const MICRO_NFNET: ModelSpec = {
  ...NFNET_BASE,
  name: "nfnet-micro",
  base: "nfnet-micro",
  stem: [
    { width: 16, kernel: 3, stride: 1 },
    { width: 32, kernel: 3, stride: 2 },
  ],
  depths: [1, 1, 1],
  widths: [64, 128, 256],
  strides: [1, 2, 2],
  groupWidth: 16,
  stochDepth: 0.1,
  dropout: 0.2,
  trainPx: 28,
  testPx: 28,
  inChannels: 1,
  numClasses: 10,
};

/** Every named variant, in display order. */
export const MODEL_VARIANTS: readonly ModelSpec[] = [
  nfnet("nfnet-f0", [1, 2, 6, 3], 192, 256, 0.2),
  nfnet("nfnet-f1", [2, 4, 12, 6], 224, 320, 0.3),
  nfnet("nfnet-f2", [3, 6, 18, 9], 256, 352, 0.4),
  nfnet("nfnet-f3", [4, 8, 24, 12], 320, 416, 0.4),
  nfnet("nfnet-f4", [5, 10, 30, 15], 384, 512, 0.5),
  nfnet("nfnet-f5", [6, 12, 36, 18], 416, 544, 0.5),
  nfnet("nfnet-f6", [7, 14, 42, 21], 448, 576, 0.5),
  nfnet("nfnet-f7", [8, 16, 48, 24], 480, 608, 0.5),
  resnet("nf-resnet-26", "none", [2, 2, 2, 2]),
  resnet("nf-resnet-50", "none", [3, 4, 6, 3]),
  resnet("nf-resnet-101", "none", [3, 4, 23, 3]),
  resnet("bn-resnet-26", "batch", [2, 2, 2, 2]),
  resnet("bn-resnet-50", "batch", [3, 4, 6, 3]),
  resnet("bn-resnet-101", "batch", [3, 4, 23, 3]),
  { ...MICRO_RESNET, name: "nf-resnet-micro", base: "nf-resnet-micro", family: "nf-resnet", norm: "none" },
  { ...MICRO_RESNET, name: "bn-resnet-micro", base: "bn-resnet-micro", family: "bn-resnet", norm: "batch" },
  MICRO_NFNET,
];

export const MODEL_NAMES: readonly string[] = MODEL_VARIANTS.map((v) => v.name);
