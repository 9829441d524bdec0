// Readers for the fixtures that reference/official_nfnets.py makes with DeepMind's official code.
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import type { ParamInit } from "../../src/core/models/plan.js";

export const FIXTURES = fileURLToPath(new URL("../../reference/fixtures/", import.meta.url));

/** An array as the script stores it: shape and base64 of little-endian float32. */
export interface PackedArray {
  shape: number[];
  data: string;
}

export interface OfficialCount {
  /** `NFNet F0`, `NF_ResNet ResNet50`. */
  official: string;
  params: number;
  tensor_count: number;
  /** Input resolution the counts were taken at (test px for NFNets). */
  px: number;
  /** The official `count_flops` at `px` (NFNets only). */
  macs?: number;
  /** Official name (`module/param`) → shape. */
  tensors: Record<string, number[]>;
}

export interface OfficialNet {
  /** The official constructor arguments and variant row. */
  official: Record<string, unknown>;
  /** The nfx model config that builds the same network. */
  nfx: { name: string; [option: string]: unknown };
  /** Official name → value, and the official initializer (as nfx's ParamInit) the value was drawn from. */
  params: Record<string, PackedArray & { init: ParamInit }>;
  /** Official eval-mode logits, one per input batch of official-inputs.json. */
  logits: PackedArray[];
}

export function readFixture<T>(name: string): T {
  return JSON.parse(fs.readFileSync(`${FIXTURES}${name}`, "utf8")) as T;
}

/** The width-reduced official networks, by fixture name. */
export function officialNets(): [string, OfficialNet][] {
  return [
    ["nfnet-tiny", readFixture<OfficialNet>("official-nfnet-tiny.json")],
    ["nf-resnet-tiny", readFixture<OfficialNet>("official-nf-resnet-tiny.json")],
  ];
}

export function officialCounts(): Record<string, OfficialCount> {
  return readFixture<{ variants: Record<string, OfficialCount> }>("official-counts.json").variants;
}

export function unpack(a: PackedArray): Float32Array {
  const bytes = Buffer.from(a.data, "base64");
  const n = a.shape.reduce((x, y) => x * y, 1);
  if (bytes.length !== n * 4) throw new Error(`fixture array of shape [${a.shape}] has ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true));
}
