// The safetensors file format (huggingface/safetensors, docs "Format"): an 8-byte little-endian unsigned header
// length N, then N bytes of UTF-8 JSON — per tensor {dtype, shape, data_offsets: [begin, end]} (offsets in bytes
// into the data section, which follows the header), plus an optional "__metadata__" map of string → string —,
// then the data section: the tensors' bytes, little-endian, row-major, packed without gaps.
// No npm package for the format was available to nfx (none is listed on this machine's registry mirror), so the
// two functions below are nfx's own; they are all that the rest of nfx uses, so a package can replace them here.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** The dtypes nfx writes and reads: F32 (weights, optimizer slots) and I32. */
export type SafetensorsDtype = "F32" | "I32";

export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  /** Row-major shape; [] for a scalar. */
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface SafetensorsContents {
  tensors: Map<string, SafetensorsTensor>;
  /** The header's `__metadata__` (string values only, as the format requires). */
  metadata: Record<string, string>;
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, I32: 4 };
/** A header larger than this is refused as not a safetensors file (the reference implementation's bound: 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

function elements(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/**
 * Writes `tensors` (in the map's order) and `metadata` to `file` atomically: to a temporary file beside it, fsync'd,
 * renamed over `file`, and the directory fsync'd — a process killed at any point leaves either the previous file or
 * the complete new one, never a part. Little-endian hosts only (every platform Node.js supports is).
 * @returns the file's SHA-256 (hex) and size in bytes.
 * @throws Error when a tensor's data length does not match its shape, or on an I/O error (the temporary file is
 * removed).
 */
export function writeSafetensors(
  file: string,
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  metadata: Record<string, string> = {},
): { sha256: string; bytes: number } {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === "__metadata__") throw new Error("a tensor may not be called __metadata__");
    if (t.data.length !== elements(t.shape)) {
      throw new Error(`tensor ${name}: ${t.data.length} values for shape [${t.shape.join(", ")}]`);
    }
    const n = t.data.length * BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  // The header is padded with spaces to a multiple of 8 bytes, so that the data section is aligned (as the
  // reference writer does).
  let json = Buffer.from(JSON.stringify(header), "utf8");
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  const hash = createHash("sha256");
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, "w");
  try {
    const put = (buf: Uint8Array) => {
      hash.update(buf);
      let done = 0;
      while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done);
    };
    put(prefix);
    put(json);
    for (const t of tensors.values()) put(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  } catch (err) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  // The rename itself is durable once the directory is synced (POSIX; a no-op where directories cannot be opened).
  try {
    const dfd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // Windows cannot fsync a directory; the rename is still atomic there.
  }
  return { sha256: hash.digest("hex"), bytes: 8 + json.length + offset };
}

/**
 * Reads a whole safetensors file (F32 and I32 tensors; copies, so the file's buffer can be dropped).
 * @throws Error naming `file` when it is missing, shorter than its header says (truncated), not a safetensors
 * file (no valid header), holds a tensor whose offsets or size do not match its shape, or a dtype nfx cannot read.
 */
export function readSafetensors(file: string): SafetensorsContents {
  const buf = fs.readFileSync(file);
  const bad = (why: string): never => {
    throw new Error(`${file}: not a readable safetensors file: ${why}`);
  };
  if (buf.length < 8) bad(`${buf.length} bytes, shorter than the 8-byte header length`);
  const n = buf.readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER_BYTES)) bad(`a header of ${n} bytes`);
  const headerEnd = 8 + Number(n);
  if (headerEnd > buf.length) bad(`truncated: the header needs ${headerEnd} bytes, the file has ${buf.length}`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, headerEnd).toString("utf8")) as Record<string, unknown>;
  } catch {
    return bad("the header is not JSON");
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) bad("the header is not a JSON object");
  const dataBytes = buf.length - headerEnd;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsTensor>();
  let end = 0;
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") {
      for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
        if (typeof v !== "string") bad(`metadata ${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (t.dtype !== "F32" && t.dtype !== "I32") bad(`tensor ${name} has dtype ${String(t.dtype)} (nfx reads F32, I32)`);
    const dtype = t.dtype as SafetensorsDtype;
    const shape = t.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) bad(`tensor ${name}: bad shape`);
    const offs = t.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0)) {
      bad(`tensor ${name}: bad data_offsets`);
    }
    const [b, e] = offs as [number, number];
    const count = elements(shape as number[]);
    if (e - b !== count * BYTES[dtype]) bad(`tensor ${name}: ${e - b} bytes for shape [${String(shape)}]`);
    if (e > dataBytes) bad(`truncated: tensor ${name} ends at byte ${e} of a ${dataBytes}-byte data section`);
    end = Math.max(end, e);
    const bytes = buf.subarray(headerEnd + b, headerEnd + e);
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    const data = dtype === "F32" ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
    tensors.set(name, { dtype, shape: shape as number[], data });
  }
  if (end !== dataBytes) bad(`${dataBytes - end} bytes after the last tensor`);
  return { tensors, metadata };
}
