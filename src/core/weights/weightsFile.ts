// Reading a weights file of any supported format, and fitting its tensors to a model: name map, layout
// conversion, and a check of every tensor's shape before anything is assigned.
import fs from "node:fs";
import { sha256Hex } from "../base/files.js";
import { tf } from "../engine/tf.js";
import type { BuiltModel } from "../models/build.js";
import {
  detectSource,
  isTimmNfResnet,
  type NameMapEntry,
  nameMap,
  TIMM_NF_RESNET,
  timmStageOffset,
  type WeightSource,
} from "./nameMaps.js";
import { looksLikePickle, looksLikeZip, readNpz } from "./npz.js";
import { looksLikeSafetensors, readSafetensors, WeightsFormatError } from "./safetensors.js";
import { type HostTensor, shapeText, type TensorSet } from "./tensors.js";

/**
 * The `__metadata__` key of an nfx checkpoint's record (train/checkpoint.ts writes it): the mark that tells a
 * checkpoint from a plain weights file. It lives here, with the reader, so that reading weights needs no training.
 */
export const CHECKPOINT_RECORD_KEY = "nfx.checkpoint";

/** A weights file read into memory. */
export interface WeightsFile {
  path: string;
  format: "safetensors" | "npz";
  /** Lower-case hex SHA-256 of the file's bytes: what a run started from it records. */
  sha256: string;
  tensors: TensorSet;
  /** safetensors `__metadata__` ({} for npz). */
  metadata: Record<string, string>;
  /**
   * For an nfx checkpoint (train/checkpoint.ts): which of its tensors are the weights — `ema` (the run averaged
   * its weights, `optim.ema_decay`, and measured its test top-1 with the averages) or `param` — and its step;
   * null for a plain weights file.
   */
  checkpoint: { weights: "ema" | "param"; step: number | null } | null;
}

/**
 * The model weights of an nfx checkpoint's tensors (`param/<name>`, `ema/<name>`, `state/<name>`, `momentum/…`,
 * `progress/…`): the EMA averages when it holds them, else the parameters, plus the non-trainable state (BatchNorm
 * running mean / variance; its average where the checkpoint holds one, as revision 4 saves it), under nfx names.
 * The optimizer's momentum and the losses are dropped.
 */
export function checkpointWeights(tensors: TensorSet): { tensors: TensorSet; weights: "ema" | "param" } {
  const weights = [...tensors.keys()].some((k) => k.startsWith("ema/")) ? "ema" : "param";
  const out: TensorSet = new Map();
  for (const [name, t] of tensors) {
    const slash = name.indexOf("/");
    const kind = name.slice(0, slash);
    const own = name.slice(slash + 1);
    if (kind === weights) out.set(own, t);
    else if (kind === "state" && !(weights === "ema" && tensors.has(`ema/${own}`))) out.set(own, t);
  }
  return { tensors: out, weights };
}

/**
 * Reads a safetensors file or a NumPy `.npz` (told apart by their first bytes, not their names). An nfx checkpoint
 * (a safetensors file with an `nfx.checkpoint` record, such as a run's `final.safetensors`) reads as its model
 * weights (checkpointWeights).
 * @throws WeightsFormatError for a missing or empty file, a truncated or damaged one, or one of neither format
 *   (a DeepMind pickle gets the conversion one-liner, npz.ts PICKLE_TO_NPZ).
 */
export function readWeightsFile(file: string): WeightsFile {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new WeightsFormatError(
      file,
      `cannot read weights: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const sha256 = sha256Hex(bytes);
  if (looksLikeZip(bytes) || looksLikePickle(bytes)) {
    return { path: file, format: "npz", sha256, tensors: readNpz(bytes, file), metadata: {}, checkpoint: null };
  }
  if (bytes.length >= 8 && (looksLikeSafetensors(bytes) || bytes[8] === 0x7b)) {
    const { tensors, metadata } = readSafetensors(bytes, file);
    const record = metadata[CHECKPOINT_RECORD_KEY];
    if (record === undefined) return { path: file, format: "safetensors", sha256, tensors, metadata, checkpoint: null };
    let step: number | null = null;
    try {
      step = (JSON.parse(record) as { step?: number }).step ?? null;
    } catch {
      // the step is only reported
    }
    const picked = checkpointWeights(tensors);
    return {
      path: file,
      format: "safetensors",
      sha256,
      tensors: picked.tensors,
      metadata,
      checkpoint: { weights: picked.weights, step },
    };
  }
  throw new WeightsFormatError(
    file,
    bytes.length === 0
      ? "empty file, not weights"
      : "not a weights file nfx reads (neither safetensors nor a NumPy .npz)",
  );
}

/** Tensors fitted to a model: nfx names → nfx-layout values, and what was left as initialised. */
export interface FittedWeights {
  source: WeightSource;
  values: Map<string, HostTensor>;
  /** nfx names of parameters kept at their fresh initialisation (a classifier whose class count differs). */
  reinitialised: string[];
  /** One line saying what was re-initialised, or null. */
  note: string | null;
}

/** A file's tensors that do not fit the model: names the first mismatched tensor. */
export class WeightsMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WeightsMismatchError";
  }
}

function expectedSourceShape(entry: NameMapEntry, nfxShape: number[]): number[] {
  const n = nfxShape.reduce((a, b) => a * b, 1);
  return entry.fromNfx({ shape: nfxShape, data: new Float32Array(n) }).shape;
}

/**
 * Fits `file`'s tensors to `model` (names of `source`, or the source detected from the names). Every model
 * parameter must be in the file with its shape in that source's layout, and every file tensor must be a model
 * parameter; the one exception is a classifier (`head.classifier.w`/`.b`) that differs in its class count only,
 * which with `reinitClassifier` is left at its initialisation and said so in `note`.
 * Steps: the names' source → its name map → the parameters → the non-trainable state → no file tensor left over
 * → the note.
 * @throws WeightsMismatchError naming the first mismatched tensor (source name, nfx name, expected shape, got
 *   shape), a tensor the model lacks, or names of no known source.
 */
export function fitWeights(
  model: Pick<BuiltModel, "plan" | "spec">,
  file: WeightsFile,
  opts: { source?: WeightSource | null; reinitClassifier?: boolean } = {},
): FittedWeights {
  const source = namesSource(file, opts.source ?? null);
  const map = sourceNameMap(model, file, source);
  const fit: Fitting = { values: new Map(), reinitialised: [], used: new Set(), fileClasses: null };
  fitParams(model, file, source, map, opts.reinitClassifier ?? false, fit);
  const stateKept = fitState(model, file, source, fit);
  rejectLeftOver(model, file, source, fit.used);
  const note = fitNote(fit, model.plan.classifier.cout, stateKept);
  return { source, values: fit.values, reinitialised: fit.reinitialised, note };
}

/** What fitting has gathered so far: fitted values, classifier tensors left as initialised, file tensors used. */
interface Fitting {
  values: Map<string, HostTensor>;
  reinitialised: string[];
  used: Set<string>;
  /** The file's class count when its classifier was left as initialised. */
  fileClasses: number | null;
}

/** The source whose names the file uses: the one asked for, else the one its names show. */
function namesSource(file: WeightsFile, asked: WeightSource | null): WeightSource {
  const source = asked ?? detectSource(file.tensors.keys());
  if (!source) {
    const first = [...file.tensors.keys()][0] ?? "(none)";
    throw new WeightsMismatchError(
      `${file.path}: tensor names of no known source (first: ${first}); name it with --init-from-names / model.init_from_names (nfx, deepmind, timm)`,
    );
  }
  return source;
}

function sourceNameMap(model: Pick<BuiltModel, "plan">, file: WeightsFile, source: WeightSource): NameMapEntry[] {
  // timm's NF-ResNet weights fit no nfx network, whatever the target: say why before any shape is compared.
  if (source === "timm" && isTimmNfResnet(file.tensors.keys())) {
    throw new WeightsMismatchError(`${file.path}: weights of timm's nf_resnet*: ${TIMM_NF_RESNET}`);
  }
  try {
    return nameMap(model.plan, source, source === "timm" ? timmStageOffset(file.tensors.keys()) : 0);
  } catch (e) {
    throw new WeightsMismatchError(`${file.path}: ${(e as Error).message}`);
  }
}

/**
 * A one-value tensor of any shape of ones ([1], [1, 1]) as the scalar `target` wants: PyTorch stores and loads a
 * skip gain as [1] as readily as []. Any other tensor as it is.
 */
function scalarOf(t: HostTensor | undefined, target: readonly number[]): HostTensor | undefined {
  if (!t || target.length > 0 || t.shape.length === 0 || t.data.length !== 1) return t;
  return t.shape.every((d) => d === 1) ? { shape: [], data: t.data } : t;
}

/** Every trainable parameter: present in the file with the source layout's shape. */
function fitParams(
  model: Pick<BuiltModel, "plan">,
  file: WeightsFile,
  source: WeightSource,
  map: NameMapEntry[],
  reinitClassifier: boolean,
  fit: Fitting,
): void {
  const params = new Map(model.plan.params.map((p) => [p.name, p]));
  const classes = model.plan.classifier.cout;
  for (const entry of map) {
    const p = params.get(entry.nfx);
    if (!p) throw new Error(`parameter ${entry.nfx} is not in the plan`);
    const t = scalarOf(file.tensors.get(entry.source), p.shape);
    const want = expectedSourceShape(entry, p.shape);
    if (!t) {
      throw new WeightsMismatchError(
        `${file.path}: tensor ${entry.source} (nfx ${entry.nfx}, expected shape ${shapeText(want)}) is missing from the file: weights of another architecture (${source} names)`,
      );
    }
    fit.used.add(entry.source);
    const isClassifier = p.role === "classifier_weight" || p.role === "classifier_bias";
    if (shapeText(t.shape) !== shapeText(want)) {
      // Differs only in the class axis (the last in nfx's layout: [in, classes] and [classes]).
      const nfxGot = t.shape.length === want.length ? entry.toNfx(t).shape : null;
      const classOnly =
        isClassifier &&
        nfxGot !== null &&
        nfxGot.length === p.shape.length &&
        nfxGot.slice(0, -1).every((d, i) => d === p.shape[i]);
      if (classOnly && reinitClassifier) {
        fit.fileClasses = nfxGot[nfxGot.length - 1] as number;
        fit.reinitialised.push(p.name);
        continue;
      }
      throw new WeightsMismatchError(
        `${file.path}: tensor ${entry.source} (nfx ${entry.nfx}): expected shape ${shapeText(want)}, got ${shapeText(t.shape)}` +
          (classOnly ? ` (a ${nfxGot[nfxGot.length - 1]}-class classifier for ${classes} classes)` : ""),
      );
    }
    fit.values.set(p.name, entry.toNfx(t));
  }
}

/**
 * Non-trainable state (BatchNorm running mean / variance): nfx names only (timm and DeepMind names exist for
 * normalizer-free networks, which have none). A file without it (weights of the parameters only) leaves it at
 * its initialisation, said so in `note`. Returns the names kept at their initialisation.
 */
function fitState(model: Pick<BuiltModel, "plan">, file: WeightsFile, source: WeightSource, fit: Fitting): string[] {
  const stateKept: string[] = [];
  for (const p of model.plan.state) {
    const t = source === "nfx" ? file.tensors.get(p.name) : undefined;
    if (!t) {
      stateKept.push(p.name);
      continue;
    }
    if (shapeText(t.shape) !== shapeText(p.shape)) {
      throw new WeightsMismatchError(
        `${file.path}: tensor ${p.name} (state): expected shape ${shapeText(p.shape)}, got ${shapeText(t.shape)}`,
      );
    }
    fit.used.add(p.name);
    fit.values.set(p.name, t);
  }
  return stateKept;
}

/** Every file tensor must have been used: one the model lacks means weights of another architecture. */
function rejectLeftOver(
  model: Pick<BuiltModel, "spec">,
  file: WeightsFile,
  source: WeightSource,
  used: Set<string>,
): void {
  for (const name of file.tensors.keys()) {
    if (!used.has(name)) {
      throw new WeightsMismatchError(
        `${file.path}: tensor ${name} has no counterpart in model ${model.spec.name} (${source} names): weights of another architecture`,
      );
    }
  }
}

/** One line saying what was left as initialised (classifier, BatchNorm statistics), or null. */
function fitNote(fit: Fitting, classes: number, stateKept: string[]): string | null {
  const notes: string[] = [];
  if (fit.reinitialised.length > 0)
    notes.push(
      `classifier re-initialised: the weights have ${fit.fileClasses} classes, the dataset ${classes} (${fit.reinitialised.join(", ")} from the seed)`,
    );
  if (stateKept.length > 0)
    notes.push(`${stateKept.length} BatchNorm running statistics not in the weights, kept at their initialisation`);
  return notes.length > 0 ? notes.join("; ") : null;
}

/** Assigns fitted values to the model's variables, parameters and state (shapes were checked by fitWeights). */
export function assignWeights(model: BuiltModel, fitted: FittedWeights): void {
  for (const p of [...model.params, ...model.state]) {
    const v = fitted.values.get(p.name);
    if (!v) continue;
    const t = tf.tensor(v.data, v.shape, "float32");
    p.variable.assign(t);
    t.dispose();
  }
}

/**
 * A model's trainable parameters as host tensors under `source`'s names and layouts, in the plan's order; for nfx
 * names followed by its non-trainable state (BatchNorm `<layer>.running_mean` / `.running_var`, [channels]).
 */
export function modelTensors(model: BuiltModel, source: WeightSource): [string, HostTensor][] {
  const host = (v: { shape: number[]; dataSync(): unknown }): HostTensor => ({
    shape: [...v.shape],
    data: Float32Array.from(v.dataSync() as Float32Array),
  });
  const vars = new Map(model.params.map((p) => [p.name, p.variable]));
  const params = nameMap(model.plan, source).map((entry): [string, HostTensor] => {
    const v = vars.get(entry.nfx);
    if (!v) throw new Error(`parameter ${entry.nfx} was not built`);
    return [entry.source, entry.fromNfx(host(v))];
  });
  if (source !== "nfx") return params;
  return [...params, ...model.state.map((s): [string, HostTensor] => [s.name, host(s.variable)])];
}
