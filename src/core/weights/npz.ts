// NumPy `.npz` archives (`np.savez`: a zip of one `.npy` per array, named `<key>.npy`), read with fflate (zip)
// and npyjs (npy). DeepMind's released `F0_haiku.npz`… are not npz files but Python pickles (the official colab,
// `nfnets/nfnet_demo_colab.ipynb`, opens them with `dill.load`) of Haiku's `{module: {param: array}}` dict; those
// are refused with the one line of Python that converts one (PICKLE_TO_NPZ).
import { unzipSync } from "fflate";
import { parse as parseNpy } from "npyjs";
import { WeightsFormatError } from "./safetensors.js";
import type { TensorSet } from "./tensors.js";

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
