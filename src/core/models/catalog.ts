// The zoo as rows for `nfx models`: shapes and counts of every variant at its own resolution.
import { countModel } from "./count.js";
import { officialVariant } from "./official.js";
import type { ModelSpec } from "./spec.js";
import { MODEL_VARIANTS } from "./variants.js";

export interface ModelRow {
  name: string;
  family: string;
  depths: number[];
  widths: number[];
  /** Trainable parameters for the variant's default input channels and classes. */
  params: number;
  /** Multiply-accumulates per image at `test_px` (the paper's "FLOPs"). */
  flops: number;
  /** Multiply-accumulates per image at `train_px`. */
  train_flops: number;
  train_px: number;
  test_px: number;
  in_channels: number;
  num_classes: number;
  /**
   * The official network this row is, parameter for parameter (`NFNet F0` = `nfnets/nfnet.py` NFNet variant F0,
   * `NF_ResNet ResNet50` = `nfnets/nf_resnet.py`), or null for nfx's own variants (`nf-resnet-26`, `bn-resnet-*`,
   * the micro variants; see OFFICIAL_VARIANTS).
   */
  official: string | null;
}

export function catalogRow(spec: ModelSpec): ModelRow {
  const at = (px: number) => countModel(spec, { px, inChannels: spec.inChannels, numClasses: spec.numClasses });
  const test = at(spec.testPx);
  const official = officialVariant(spec.name);
  return {
    name: spec.name,
    family: spec.family,
    depths: spec.depths,
    widths: spec.widths,
    params: test.params,
    flops: test.macs,
    train_flops: at(spec.trainPx).macs,
    train_px: spec.trainPx,
    test_px: spec.testPx,
    in_channels: spec.inChannels,
    num_classes: spec.numClasses,
    official: official ? `${official.model} ${official.variant}` : null,
  };
}

export function modelCatalog(): ModelRow[] {
  return MODEL_VARIANTS.map(catalogRow);
}
