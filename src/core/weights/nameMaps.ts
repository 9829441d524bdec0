// The name of every nfx parameter in each weights source, and how its layout converts, in one place:
//   nfx       nfx's own names (`stage1.block0.conv1.w`) and layouts (HWIO convs, [in,out] dense, gains [c]).
//   deepmind  the official Haiku code's flattened `module/param` names (models/official.ts, officialParamNames),
//             same layouts as nfx.
//   timm      timm's `dm_nfnet_f*` state-dict names (timm/models/nfnet.py: NormFreeNet, NormFreeBlock) and PyTorch
//             layouts: conv weights OIHW, ScaledStdConv2d gains [c,1,1,1], the SE's
//             1×1 convs [out,in,1,1], head.fc [out,in]. Blocks map conv0→conv1, conv1→conv2, conv1b→conv2b,
//             conv2→conv3, conv_shortcut→downsample.conv, se.fc0/fc1→attn_last.fc1/fc2, skip_gain→skipinit_gain;
//             stage s (1-based in nfx) → stages.{s-1}; the NFNet stem's conv{i} → stem.conv{i+1};
//             head.final_conv → final_conv; head.classifier → head.fc. timm's `nf_resnet*` have no map: they are
//             another network than the official NF-ResNet (TIMM_NF_RESNET), so their weights are refused.

import { officialParamNames } from "../models/official.js";
import type { ModelPlan, ParamPlan } from "../models/plan.js";
import { hwioToOihw, oihwToHwio, reshapeTo, transpose2d } from "./layout.js";
import type { HostTensor } from "./tensors.js";

export const WEIGHT_SOURCES = ["nfx", "deepmind", "timm"] as const;
export type WeightSource = (typeof WEIGHT_SOURCES)[number];

/** One parameter: its nfx name, its name in the source, and the layout conversions both ways. */
export interface NameMapEntry {
  nfx: string;
  source: string;
  /** The source's tensor in nfx's layout. @throws Error when its rank does not fit. */
  toNfx(t: HostTensor): HostTensor;
  /** nfx's tensor in the source's layout. */
  fromNfx(t: HostTensor): HostTensor;
}

/**
 * Why timm's `nf_resnet*` weights load into no nfx network (timm/models/nfnet.py `_nfres_cfg`, checked against
 * the official nf_resnet.py): loaded into nfx's NF-ResNet they give logits off by ~2, with no error.
 */
export const TIMM_NF_RESNET =
  "timm's nf_resnet* is not the official NF-ResNet that nfx builds: its strided shortcut average-pools before the " +
  "1×1 conv (the official one is a strided 1×1 conv), its convs pad symmetrically (official: TF 'SAME'), its " +
  "blocks have no skip gain (official: a learnt scalar from 0), and its activation γ is folded into the " +
  "weights (official: γ·act(x)); use DeepMind's NF-ResNet weights (.npz) or nfx's own instead";

/** Whether tensor names are timm's NF-ResNet's: its single stem conv `stem.conv.*` (timm's NFNets have stem.conv1…4). */
export function isTimmNfResnet(names: Iterable<string>): boolean {
  for (const n of names) if (n.startsWith("stem.conv.")) return true;
  return false;
}

const same = (t: HostTensor) => t;

function timmName(p: ParamPlan, plan: ModelPlan, stageOffset: number): string {
  const leaf = (suffix: string) => ({ w: "weight", b: "bias", gain: "gain", bias: "bias" })[suffix] ?? suffix;
  const parts = p.name.split(".");
  const suffix = leaf(parts[parts.length - 1] as string);
  const stem = /^stem\.conv(\d+)$/.exec(p.layer);
  if (stem) return `stem.conv${Number(stem[1]) + 1}.${suffix}`;
  if (p.layer === "head.final_conv") return `final_conv.${suffix}`;
  if (p.layer === "head.classifier") return `head.fc.${suffix}`;
  const block = /^stage(\d+)\.block(\d+)(?:\.(.+))?$/.exec(p.layer);
  if (block) {
    const at = `stages.${Number(block[1]) - 1 + stageOffset}.${block[2]}`;
    if (p.role === "skip_gain") return `${at}.skipinit_gain`;
    const layer: Record<string, string> = {
      conv0: "conv1",
      conv1: "conv2",
      conv1b: "conv2b",
      conv2: "conv3",
      conv_shortcut: "downsample.conv",
      "se.fc0": "attn_last.fc1",
      "se.fc1": "attn_last.fc2",
    };
    const mapped = layer[block[3] ?? ""];
    if (mapped) return `${at}.${mapped}.${suffix}`;
  }
  throw new Error(`model ${plan.spec.name}: parameter ${p.name} has no timm counterpart`);
}

function timmEntry(p: ParamPlan, plan: ModelPlan, stageOffset: number): NameMapEntry {
  const source = timmName(p, plan, stageOffset);
  const base = { nfx: p.name, source };
  if (p.role === "skip_gain") return { ...base, toNfx: same, fromNfx: same };
  if (p.role === "gain")
    return {
      ...base,
      toNfx: (t) => reshapeTo(t, p.shape),
      fromNfx: (t) => reshapeTo(t, [p.shape[0] as number, 1, 1, 1]),
    };
  if (p.role === "se_weight") {
    // timm's SE is two 1×1 convs: [out, in, 1, 1] ↔ nfx's dense [in, out].
    return {
      ...base,
      toNfx: (t) => transpose2d(reshapeTo(t, [t.shape[0] as number, t.data.length / (t.shape[0] as number)])),
      fromNfx: (t) => {
        const d = transpose2d(t);
        return reshapeTo(d, [...d.shape, 1, 1]);
      },
    };
  }
  if (p.role === "classifier_weight") return { ...base, toNfx: transpose2d, fromNfx: transpose2d };
  if (p.shape.length === 4) return { ...base, toNfx: oihwToHwio, fromNfx: hwioToOihw };
  return { ...base, toNfx: same, fromNfx: same };
}

/**
 * The name map of `plan`'s trainable parameters for `source`, in the plan's order. `stageOffset` (timm only)
 * counts leading empty timm stages (depth 0, no tensors), which nfx does not have: nfx stage s is then timm's
 * `stages.{s-1+stageOffset}` (readers take it from the file: timmStageOffset).
 * @throws Error for a source with no names for this network: `deepmind` and `timm` map normalizer-free networks
 *   only (models/official.ts), `timm` the NFNets' layer names above (an NF-ResNet: TIMM_NF_RESNET).
 */
export function nameMap(plan: ModelPlan, source: WeightSource, stageOffset = 0): NameMapEntry[] {
  if (source === "nfx") return plan.params.map((p) => ({ nfx: p.name, source: p.name, toNfx: same, fromNfx: same }));
  if (source === "deepmind") {
    return officialParamNames(plan).map(({ nfx, official }) => ({ nfx, source: official, toNfx: same, fromNfx: same }));
  }
  if (plan.spec.norm !== "none") {
    throw new Error(`model ${plan.spec.name}: timm names exist for NFNets only (dm_nfnet_*)`);
  }
  if (plan.spec.family === "nf-resnet") throw new Error(`model ${plan.spec.name}: no timm names: ${TIMM_NF_RESNET}`);
  return plan.params.map((p) => timmEntry(p, plan, stageOffset));
}

/**
 * The source whose names a file's tensor names are: `deepmind` when they read `NFNet/~/…` or `NF_ResNet/~/…`,
 * `timm` for `stem.conv…`/`stages.…`, `nfx` for `stem.conv0.w`-style names; null when none fits.
 */
export function detectSource(names: Iterable<string>): WeightSource | null {
  for (const n of names) {
    if (/^(NFNet|NF_ResNet)\/~\//.test(n)) return "deepmind";
    if (/^stages\.\d+\.\d+\.|\.weight$|^head\.fc\./.test(n)) return "timm";
    if (/^stage\d+\.block\d+\.|\.w$|^head\.(classifier|final_conv)\./.test(n)) return "nfx";
  }
  return null;
}

/** The index of the first timm stage with tensors (`stages.{k}.…`), 0 when there is none. */
export function timmStageOffset(names: Iterable<string>): number {
  let min = Number.POSITIVE_INFINITY;
  for (const n of names) {
    const m = /^stages\.(\d+)\./.exec(n);
    if (m) min = Math.min(min, Number(m[1]));
  }
  return Number.isFinite(min) ? min : 0;
}
