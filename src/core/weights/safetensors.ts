// The safetensors format (https://github.com/huggingface/safetensors, "Format"): an 8-byte little-endian u64 N,
// then N bytes of UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}},
// then the data buffer, each tensor row-major little-endian at [begin, end) relative to the buffer's start.
// No npm package for it is well kept (none is on this machine's registry mirror), and the format is a header and a
// byte copy, so nfx's one implementation is here; every safetensors file nfx reads or writes goes through it:
//   decodeSafetensors / encodeSafetensors   bytes ↔ tensors with their dtype (F32, I32; F16, BF16, F64 read as F32);
//   readSafetensors / writeSafetensors      the weights' view: float32 tensors only (weights import / export);
//   readSafetensorsFile / writeSafetensorsFile   a file, the latter atomic (checkpoints, exported weights).
// The parsing checks every field, because a truncated download or a half-written file must be an error, not garbage.
import fs from "node:fs";
import { sha256Hex, writeFileAtomic } from "../base/files.js";
import { type HostTensor, sizeOf, type TensorSet } from "./tensors.js";

/** The dtypes a decoded tensor has: F32 (F16, BF16 and F64 are converted to it on reading) and I32. */
export type SafetensorsDtype = "F32" | "I32";

/** One tensor with its dtype. */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  /** Row-major shape; [] for a scalar. */
  shape: number[];
  data: Float32Array | Int32Array;
}

/** A decoded file: its tensors in header order and its `__metadata__` (string values only, as the format requires). */
export interface SafetensorsContents {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** Bytes per element of each dtype read. */
const DTYPE_BYTES: Record<string, number> = { F32: 4, I32: 4, F16: 2, BF16: 2, F64: 8 };
/** A header larger than this is refused as not a safetensors file (the reference implementation's bound: 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

/** A weights file that is not what it says it is; `file` names it. */
export class WeightsFormatError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = "WeightsFormatError";
  }
}

/**
 * A byte string that is not a (whole) safetensors file. `truncated`: it is the start of one (a short download, a
 * cut copy); `detail` says what is wrong. The message reads `<file>: not a readable safetensors file: …`.
 */
export class SafetensorsFormatError extends Error {
  constructor(
    readonly file: string,
    readonly truncated: boolean,
    readonly detail: string,
  ) {
    super(`${file}: not a readable safetensors file: ${truncated ? "truncated: " : ""}${detail}`);
  }

  /** The same fault as weights readers word it (`<file>: truncated safetensors file: …`). */
  asWeightsError(): WeightsFormatError {
    return new WeightsFormatError(
      this.file,
      this.truncated ? `truncated safetensors file: ${this.detail}` : `not a safetensors file (${this.detail})`,
    );
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** A copy of `bytes` (dtype `dtype`, `n` elements) as F32 or I32 values (F32 and I32 bit for bit). */
function decode(bytes: Uint8Array, dtype: string, n: number): SafetensorsTensor["data"] {
  if (dtype === "F32" || dtype === "I32") {
    // A byte copy: little-endian hosts only (every platform Node.js supports is); NaN payloads are kept.
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    return dtype === "F32" ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  for (let i = 0; i < n; i++) {
    if (dtype === "F64") out[i] = view.getFloat64(8 * i, true);
    else if (dtype === "F16") out[i] = halfToFloat(view.getUint16(2 * i, true));
    else {
      // BF16: the upper 16 bits of a float32
      bits[0] = view.getUint16(2 * i, true) << 16;
      out[i] = asFloat[0] as number;
    }
  }
  return out;
}

/** Whether `bytes` starts like a safetensors file (a plausible header length followed by `{`). */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return n >= 2 && n <= bytes.length - 8 && bytes[8] === 0x7b;
}

/**
 * Decodes a safetensors file's bytes: every tensor (F32 and I32 as stored; F16, BF16 and F64 converted to F32) in
 * header order, and the `__metadata__`.
 * @throws SafetensorsFormatError naming `file` for bytes shorter than their header says (truncated), a header that
 *   is not a JSON object or is over 100 MB, a tensor whose byte range lies outside the data or does not match its
 *   shape and dtype, another dtype, a non-string metadata value, or data offsets that do not tile the data exactly
 *   (two tensors sharing bytes, or bytes no tensor indexes: checkTiling).
 */
export function decodeSafetensors(bytes: Uint8Array, file: string): SafetensorsContents {
  const fail = (detail: string, truncated = false): never => {
    throw new SafetensorsFormatError(file, truncated, detail);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes, shorter than the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`a header of ${n} bytes`);
  const headerLen = Number(n);
  if (headerLen > bytes.length - 8) {
    if (bytes[8] === 0x7b) fail(`its header needs ${headerLen} bytes, ${bytes.length - 8} follow`, true);
    fail("no JSON header after the 8-byte length");
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch {
    fail("the header is not JSON");
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("the header is not a JSON object");
  const data = bytes.subarray(8 + headerLen);
  const tensors = new Map<string, SafetensorsTensor>();
  const metadata: Record<string, string> = {};
  const ranges: [string, number, number][] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
        if (typeof v !== "string") fail(`metadata ${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const info = (raw ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const shape = info.shape;
    const offsets = info.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor ${name}: bad shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
      fail(`tensor ${name}: bad data_offsets`);
    }
    const dtype = String(info.dtype);
    const width = DTYPE_BYTES[dtype];
    if (!width) fail(`tensor ${name}: dtype ${dtype} is not one nfx reads (F32, F16, BF16, F64, I32)`);
    const [begin, end] = offsets as [number, number];
    const count = sizeOf(shape as number[]);
    if (end > data.length) fail(`tensor ${name} ends at byte ${end} of a ${data.length}-byte data section`, true);
    if (end - begin !== count * (width as number)) {
      fail(`tensor ${name}: ${end - begin} bytes for shape [${(shape as number[]).join(",")}] of ${dtype}`);
    }
    ranges.push([name, begin, end]);
    tensors.set(name, {
      dtype: dtype === "I32" ? "I32" : "F32",
      shape: [...(shape as number[])],
      data: decode(data.subarray(begin, end), dtype, count),
    });
  }
  checkTiling(ranges, data.length, fail);
  return { tensors, metadata };
}

/**
 * Refuses data offsets that do not tile the data buffer exactly: sorted by offset, each tensor must begin where the
 * previous one ended (the first at 0) and the last end at the buffer's end. Two tensors sharing bytes would load one
 * tensor's values as another's, and unindexed bytes are data nobody accounts for — the reference implementation
 * refuses both ("InvalidOffset", safetensors `Metadata::validate`), and so does nfx, naming the tensor. Overlaps are
 * looked for first: a tensor pointed at another's bytes also leaves its own unindexed, and the sharing is the fault.
 */
function checkTiling(ranges: [string, number, number][], dataBytes: number, fail: (detail: string) => never): void {
  ranges.sort((a, b) => a[1] - b[1] || a[2] - b[2]);
  ranges.forEach(([name, begin, end], i) => {
    const before = ranges[i - 1];
    if (before && begin < before[2]) {
      fail(
        `tensor ${name}: data_offsets [${begin}, ${end}] overlap tensor ${before[0]}'s bytes (which end at ${before[2]})`,
      );
    }
  });
  let expected = 0;
  let previous = "";
  for (const [name, begin, end] of ranges) {
    if (begin > expected) {
      const after = previous ? `after tensor ${previous}` : "at the start of the data";
      fail(`tensor ${name}: data_offsets [${begin}, ${end}] leave bytes [${expected}, ${begin}) ${after} unindexed`);
    }
    expected = end;
    previous = name;
  }
  if (expected !== dataBytes) fail(`${dataBytes - expected} bytes after the last tensor are indexed by none`);
}

/**
 * Encodes tensors (in the given order; a tensor without `dtype` is F32) and `metadata` (`__metadata__`, string
 * values) as safetensors bytes, the data section 8-byte aligned by padding the header with spaces (as the reference
 * writer does). Values are copied bit for bit (little-endian hosts).
 * @throws Error when a tensor's data length does not match its shape, or a tensor is called `__metadata__`.
 */
export function encodeSafetensors(
  tensors: Iterable<[string, HostTensor | SafetensorsTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const parts: [Float32Array | Int32Array, number][] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === "__metadata__") throw new Error("a tensor may not be called __metadata__");
    if (t.data.length !== sizeOf(t.shape)) {
      throw new Error(`tensor ${name}: ${t.data.length} values for shape [${t.shape.join(", ")}]`);
    }
    const dtype = "dtype" in t ? t.dtype : "F32";
    if ((dtype === "I32") !== t.data instanceof Int32Array) throw new Error(`tensor ${name}: data is not ${dtype}`);
    const bytes = t.data.length * 4;
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    parts.push([t.data, offset]);
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headLen = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + headLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headLen);
  const base = 8 + headLen;
  for (const [d, at] of parts) out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), base + at);
  return out;
}

/**
 * Reads a safetensors file's float tensors (F32, F16, BF16, F64; values as float32) and its `__metadata__`.
 * @throws WeightsFormatError naming `file` for what decodeSafetensors refuses, or an integer tensor.
 */
export function readSafetensors(
  bytes: Uint8Array,
  file: string,
): { tensors: TensorSet; metadata: Record<string, string> } {
  let contents: SafetensorsContents;
  try {
    contents = decodeSafetensors(bytes, file);
  } catch (e) {
    throw e instanceof SafetensorsFormatError ? e.asWeightsError() : e;
  }
  const tensors: TensorSet = new Map();
  for (const [name, t] of contents.tensors) {
    if (t.dtype !== "F32") throw new WeightsFormatError(file, `tensor ${name}: dtype ${t.dtype} is not a float type`);
    tensors.set(name, { shape: t.shape, data: t.data as Float32Array });
  }
  return { tensors, metadata: contents.metadata };
}

/** Float32 tensors (in the given order) and `metadata` as safetensors bytes (encodeSafetensors). */
export function writeSafetensors(
  tensors: Iterable<[string, HostTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  return encodeSafetensors(tensors, metadata);
}

/**
 * Reads a whole safetensors file (decodeSafetensors; the tensors are copies, the file's buffer can be dropped).
 * @throws Error naming `file` when it cannot be read, or SafetensorsFormatError.
 */
export function readSafetensorsFile(file: string): SafetensorsContents {
  return decodeSafetensors(fs.readFileSync(file), file);
}

/**
 * The `__metadata__` of a safetensors file, reading its header only (not the tensors).
 * @throws Error when `file` cannot be read, or SafetensorsFormatError for what decodeSafetensors refuses in a
 *   header.
 */
export function readSafetensorsMetadata(file: string): Record<string, string> {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const prefix = new Uint8Array(8);
    if (fs.readSync(fd, prefix, 0, 8, 0) < 8) {
      throw new SafetensorsFormatError(file, false, `${size} bytes, shorter than the 8-byte header length`);
    }
    const n = new DataView(prefix.buffer).getBigUint64(0, true);
    if (n > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsFormatError(file, false, `a header of ${n} bytes`);
    const head = new Uint8Array(8 + Number(n));
    head.set(prefix);
    const got = fs.readSync(fd, head, 8, Number(n), 8);
    if (got < Number(n)) {
      throw new SafetensorsFormatError(file, true, `its header needs ${n} bytes, ${size - 8} follow`);
    }
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(head.subarray(8)));
    } catch {
      throw new SafetensorsFormatError(file, false, "the header is not JSON");
    }
    const meta = (header as { __metadata__?: unknown } | null)?.__metadata__;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries((meta ?? {}) as Record<string, unknown>)) if (typeof v === "string") out[k] = v;
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `tensors` (in order) and `metadata` to `file` as safetensors (encodeSafetensors), atomically
 * (writeFileAtomic).
 * @returns the file's SHA-256 (hex) and size in bytes.
 * @throws Error when a tensor's data length does not match its shape (nothing written), or on an I/O error.
 */
export function writeSafetensorsFile(
  file: string,
  tensors: Iterable<[string, HostTensor | SafetensorsTensor]>,
  metadata: Record<string, string> = {},
): { sha256: string; bytes: number } {
  const bytes = encodeSafetensors(tensors, metadata);
  writeFileAtomic(file, bytes);
  return { sha256: sha256Hex(bytes), bytes: bytes.length };
}
