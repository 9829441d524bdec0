// nfx ↔ DeepMind's official NFNet code (deepmind-research `nfnets/`, JAX/Haiku): which nfx variants are official
// ones, and the official name of every parameter, so that official weights load into nfx and nfx's exports read
// as official ones (issue 17 builds weight import on this).
import type { ModelPlan, ParamPlan } from "./plan.js";

/** An official model: its Haiku module class in `nfnets/` and the row of its variant table. */
export interface OfficialVariant {
  /** `nfnets/nfnet.py` NFNet or `nfnets/nf_resnet.py` NF_ResNet. */
  model: "NFNet" | "NF_ResNet";
  /** Key of `base.nfnet_params` (F0…F7) or of `NF_ResNet.variant_dict` (ResNet50, ResNet101). */
  variant: string;
}

/**
 * The nfx variants that are official networks (parameter for parameter; `test/models/official.test.ts` pins each to
 * the official count and tensor list). Every other row is nfx's own: `nf-resnet-26` and the micro variants have no
 * official counterpart; `bn-resnet-*`, the Fig. 2(a) BatchNorm baseline, is not pinned to the official `resnet.py`
 * (whose ResNet50 has the same 25,549,352 parameters but BN scales/offsets shaped [1,1,1,C] and other initialisers).
 */
export const OFFICIAL_VARIANTS: Readonly<Record<string, OfficialVariant>> = {
  "nfnet-f0": { model: "NFNet", variant: "F0" },
  "nfnet-f1": { model: "NFNet", variant: "F1" },
  "nfnet-f2": { model: "NFNet", variant: "F2" },
  "nfnet-f3": { model: "NFNet", variant: "F3" },
  "nfnet-f4": { model: "NFNet", variant: "F4" },
  "nfnet-f5": { model: "NFNet", variant: "F5" },
  "nfnet-f6": { model: "NFNet", variant: "F6" },
  "nfnet-f7": { model: "NFNet", variant: "F7" },
  "nf-resnet-50": { model: "NF_ResNet", variant: "ResNet50" },
  "nf-resnet-101": { model: "NF_ResNet", variant: "ResNet101" },
};

/** The official counterpart of an nfx variant name, or null when the variant exists only in nfx. */
export function officialVariant(name: string): OfficialVariant | null {
  return Object.hasOwn(OFFICIAL_VARIANTS, name) ? (OFFICIAL_VARIANTS[name] as OfficialVariant) : null;
}

/** Haiku names a module's n-th unnamed instance in one scope `base`, `base_1`, `base_2`, … */
const nth = (base: string, i: number) => (i === 0 ? base : `${base}_${i}`);

/**
 * Official parameter names for every trainable parameter of a normalizer-free plan, in the plan's order.
 *
 * Official names are Haiku's `module/param`, e.g. `NFNet/~/nf_block_3/~/conv1b/w` (the flattened keys of the
 * `{module: {param: array}}` dict that `hk.transform(...).init` returns). nfx names map as:
 *   stem.conv{i}.{w,gain,bias}        NFNet/~/stem_conv{i}/…            NF_ResNet/~/initial_conv/… (one stem conv)
 *   stage{s}.block{b}.skip_gain       <root>/~/nf_block_{k}/skip_gain   (nf_res_block_{k}; k = index over all
 *                                     blocks, and the first block is `nf_block` without a suffix)
 *   stage{s}.block{b}.{conv0,conv1,conv1b,conv2,conv_shortcut}.…  <block>/~/{same name}/…
 *   stage{s}.block{b}.se.fc{0,1}.{w,b}  <block>/~/squeeze_excite/~/linear{,_1}/{w,b}
 *   head.final_conv.…  <root>/~/final_conv/…      head.classifier.{w,b}  <root>/~/linear/{w,b}
 * Layouts are the same on both sides, so tensors need no transposition: conv kernels HWIO
 * [kh, kw, cin/groups, cout], gains and biases [cout], dense kernels [in, out], skip gains scalars [].
 *
 * @throws Error for a BatchNorm plan (only the normalizer-free `nfnet.py` / `nf_resnet.py` networks are mapped) and
 *   for an NF-ResNet with more than one stem conv (the official NF_ResNet has exactly one).
 */
export function officialParamNames(plan: ModelPlan): { nfx: string; official: string }[] {
  const { spec } = plan;
  if (spec.norm !== "none") {
    throw new Error(
      `model ${spec.name}: official parameter names exist for normalizer-free networks only (nfnet.py, nf_resnet.py), not for a BatchNorm one`,
    );
  }
  const resnet = spec.family === "nf-resnet";
  const root = resnet ? "NF_ResNet" : "NFNet";
  if (resnet && plan.stem.length !== 1) {
    throw new Error(
      `model ${spec.name}: the official NF_ResNet has one stem conv (initial_conv); this one has ${plan.stem.length}`,
    );
  }
  const names = new Map<ParamPlan, string>();
  const module = (path: string, ...params: (ParamPlan | null)[]) => {
    for (const p of params) if (p) names.set(p, `${path}/${p.name.slice(p.name.lastIndexOf(".") + 1)}`);
  };
  plan.stem.forEach((conv, i) => {
    module(`${root}/~/${resnet ? "initial_conv" : `stem_conv${i}`}`, conv.weight, conv.gain, conv.bias);
  });
  for (const block of plan.blocks) {
    const path = `${root}/~/${nth(resnet ? "nf_res_block" : "nf_block", block.index)}`;
    for (const conv of [...block.convs, ...(block.shortcut ? [block.shortcut] : [])]) {
      module(`${path}/~/${conv.layer.slice(block.name.length + 1)}`, conv.weight, conv.gain, conv.bias);
    }
    if (block.se) {
      module(`${path}/~/squeeze_excite/~/linear`, block.se.fc0.weight, block.se.fc0.bias);
      module(`${path}/~/squeeze_excite/~/linear_1`, block.se.fc1.weight, block.se.fc1.bias);
    }
    module(path, block.skipGain);
  }
  if (plan.finalConv) module(`${root}/~/final_conv`, plan.finalConv.weight, plan.finalConv.gain, plan.finalConv.bias);
  module(`${root}/~/linear`, plan.classifier.weight, plan.classifier.bias);
  return plan.params.map((p) => {
    const official = names.get(p);
    if (!official) throw new Error(`model ${spec.name}: parameter ${p.name} has no official counterpart`);
    return { nfx: p.name, official };
  });
}
