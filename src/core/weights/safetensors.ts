// The safetensors format (https://github.com/huggingface/safetensors, "Format"): an 8-byte little-endian u64 N,
// then N bytes of UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}},
// then the data buffer, each tensor row-major little-endian at [begin, end) relative to the buffer's start.
// No npm package for it is well kept, and the format is a header and a byte copy, so it is written here; the
// parsing checks every field, because a truncated download must be an error, not garbage weights.
import { type HostTensor, sizeOf, type TensorSet } from "./tensors.js";

/** Bytes per element of the dtypes read (F32 as is; F16, BF16 and F64 are widened or narrowed to float32). */
const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

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

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

const bits = new Uint32Array(1);
const asFloat = new Float32Array(bits.buffer);

function decode(bytes: Uint8Array, dtype: string, n: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (dtype === "F32") out[i] = view.getFloat32(4 * i, true);
    else if (dtype === "F64") out[i] = view.getFloat64(8 * i, true);
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
 * Reads a safetensors file's tensors (float dtypes F32, F16, BF16, F64; values as float32) and its
 * `__metadata__`.
 * @throws WeightsFormatError for a file shorter than its header says (truncated), a header that is not JSON, a
 *   tensor whose byte range lies outside the data or does not match its shape and dtype, or another dtype.
 */
export function readSafetensors(
  bytes: Uint8Array,
  file: string,
): { tensors: TensorSet; metadata: Record<string, string> } {
  const fail = (reason: string): never => {
    throw new WeightsFormatError(file, reason);
  };
  if (bytes.length < 8) fail(`not a safetensors file (${bytes.length} bytes, shorter than the 8-byte header length)`);
  const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLen > bytes.length - 8) {
    fail(
      bytes[8] === 0x7b
        ? `truncated safetensors file: its header needs ${headerLen} bytes, ${bytes.length - 8} follow`
        : "not a safetensors file (no JSON header after the 8-byte length)",
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch {
    fail("not a safetensors file (its header is not JSON)");
  }
  if (typeof header !== "object" || header === null || Array.isArray(header))
    fail("safetensors header is not an object");
  const data = bytes.subarray(8 + headerLen);
  const tensors: TensorSet = new Map();
  let metadata: Record<string, string> = {};
  const entries = Object.entries(header as Record<string, unknown>);
  for (const [name, raw] of entries) {
    if (name === "__metadata__") {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const shape = info?.shape;
    const offsets = info?.data_offsets;
    if (
      !Array.isArray(shape) ||
      !shape.every((d) => Number.isInteger(d) && d >= 0) ||
      !Array.isArray(offsets) ||
      offsets.length !== 2
    ) {
      fail(`tensor ${name}: header entry lacks a shape or data_offsets`);
    }
    const dtype = String(info.dtype);
    const width = DTYPE_BYTES[dtype];
    if (!width) fail(`tensor ${name}: dtype ${dtype} is not a float type nfx reads (F32, F16, BF16, F64)`);
    const [begin, end] = offsets as [number, number];
    const n = sizeOf(shape as number[]);
    if (end > data.length) {
      fail(`truncated safetensors file: tensor ${name} ends at byte ${end} of a ${data.length}-byte data section`);
    }
    if (!(begin >= 0 && end - begin === n * (width as number))) {
      fail(`tensor ${name}: ${end - begin} bytes for shape [${(shape as number[]).join(",")}] of ${dtype}`);
    }
    tensors.set(name, { shape: [...(shape as number[])], data: decode(data.subarray(begin, end), dtype, n) });
  }
  return { tensors, metadata };
}

/**
 * Writes tensors as a float32 safetensors file (names in the given order, data 8-byte aligned by padding the
 * header with spaces, as the reference writer does). `metadata` goes to `__metadata__` (string values only).
 */
export function writeSafetensors(
  tensors: Iterable<[string, HostTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const parts: [HostTensor, number][] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = t.data.length * 4;
    header[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + bytes] };
    parts.push([t, offset]);
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const jsonBytes = () => new TextEncoder().encode(json).length;
  while ((8 + jsonBytes()) % 8 !== 0) json += " ";
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  const base = 8 + head.length;
  const view = new DataView(out.buffer);
  for (const [t, at] of parts) {
    for (let i = 0; i < t.data.length; i++) view.setFloat32(base + at + 4 * i, t.data[i] as number, true);
  }
  return out;
}
