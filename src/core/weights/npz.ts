// NumPy `.npz` archives (`np.savez`: a zip of one `.npy` per array, named `<key>.npy`), read with fflate (zip)
// and npyjs (npy), and written as np.savez writes them (stored members, npy format 1.0, little-endian float32). DeepMind's released `F0_haiku.npz`… are not npz files but Python pickles (the official colab,
// `nfnets/nfnet_demo_colab.ipynb`, opens them with `dill.load`) of Haiku's `{module: {param: array}}` dict; those
// are refused with the one line of Python that converts one (PICKLE_TO_NPZ).
import { unzipSync, zipSync } from "fflate";
import { parse as parseNpy } from "npyjs";
import { sha256Hex, writeFileAtomic } from "../base/files.js";
import { WeightsFormatError } from "./safetensors.js";
import { type HostTensor, sizeOf, type TensorSet } from "./tensors.js";

/**
 * Converts the official pickle to an npz of flattened `module/param` keys (needs dill and numpy; run where the
 * file is). The result loads with `--init-from`, `nfx eval --weights` and `readWeightsFile`.
 */
export const PICKLE_TO_NPZ =
  "python3 -c \"import sys,dill,numpy as np; p=dill.load(open(sys.argv[1],'rb')); " +
  "np.savez(sys.argv[2], **{m+'/'+k: np.asarray(v, np.float32) for m,d in p.items() for k,v in d.items()})\" IN.npz OUT.npz";

/** Whether `bytes` starts like a zip archive (local file header `PK\x03\x04`, or an empty archive's `PK\x05\x06`). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

/** Whether `bytes` starts like a Python pickle of protocol 2 or later (opcode PROTO, 0x80). */
export function looksLikePickle(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5;
}

/**
 * Reads every array of an `.npz` as float32 (C order; a Fortran-ordered array is refused). Keys are the member
 * names without `.npy`.
 * @throws WeightsFormatError for a pickle (with PICKLE_TO_NPZ), a damaged or truncated zip, a member that is not
 *   a numeric npy array.
 */
export function readNpz(bytes: Uint8Array, file: string): TensorSet {
  if (looksLikePickle(bytes)) {
    throw new WeightsFormatError(
      file,
      `a Python pickle (the format of DeepMind's released *_haiku.npz), not a NumPy npz; convert it once with: ${PICKLE_TO_NPZ}`,
    );
  }
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes);
  } catch (e) {
    throw new WeightsFormatError(file, `damaged or truncated npz (zip): ${(e as Error).message}`);
  }
  const out: TensorSet = new Map();
  for (const [member, data] of Object.entries(members)) {
    if (!member.endsWith(".npy")) continue;
    const name = member.slice(0, -".npy".length);
    let arr: ReturnType<typeof parseNpy>;
    try {
      arr = parseNpy(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
    } catch (e) {
      throw new WeightsFormatError(file, `array ${name}: not a readable npy array (${(e as Error).message})`);
    }
    if (arr.fortranOrder) throw new WeightsFormatError(file, `array ${name}: Fortran order is not supported`);
    if (!/^[fiu]\d$|^f2$/.test(arr.dtype))
      throw new WeightsFormatError(file, `array ${name}: dtype ${arr.dtype} is not numeric`);
    const src = arr.data as unknown as ArrayLike<number | bigint>;
    const values = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) values[i] = Number(src[i]);
    out.set(name, { shape: [...arr.shape], data: values });
  }
  if (out.size === 0) throw new WeightsFormatError(file, "npz holds no .npy arrays");
  return out;
}

/**
 * One array as an `.npy` file, format 1.0 (numpy/lib/format.py): magic `\x93NUMPY`, version 1.0, the header
 * length (uint16 LE), a Python-literal dict header padded with spaces and `\n` so that the data starts at a
 * multiple of 64 bytes, then the float32 values little-endian in C order.
 */
function encodeNpy(t: HostTensor): Uint8Array {
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(", ")})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + dict.length + 1;
  const header = `${dict}${" ".repeat((64 - (unpadded % 64)) % 64)}\n`;
  const out = new Uint8Array(10 + header.length + t.data.length * 4);
  out.set([0x93, ...Buffer.from("NUMPY"), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, "latin1"), 10);
  const view = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < t.data.length; i++) view.setFloat32(i * 4, t.data[i] as number, true);
  return out;
}

/**
 * Writes `tensors` to `file` as an `.npz` (one stored `<name>.npy` member each, as `np.savez`), atomically.
 * @returns the file's SHA-256 (hex) and size in bytes.
 * @throws Error when a tensor's data length does not match its shape (nothing written), or on an I/O error.
 */
export function writeNpzFile(file: string, tensors: Iterable<[string, HostTensor]>): { sha256: string; bytes: number } {
  const members: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const [name, t] of tensors) {
    if (t.data.length !== sizeOf(t.shape))
      throw new Error(`${name}: ${t.data.length} values for shape [${t.shape.join(", ")}]`);
    members[`${name}.npy`] = [encodeNpy(t), { level: 0 }];
  }
  const bytes = zipSync(members);
  writeFileAtomic(file, bytes);
  return { sha256: sha256Hex(bytes), bytes: bytes.length };
}
