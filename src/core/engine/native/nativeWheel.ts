// The parts of a TensorFlow wheel (a zip, PEP 427) that tfjs-node's binding needs: libtensorflow's two shared
// libraries and the C API headers. tfjs-node 4.22's binding (binding/tfjs_backend.cc) calls only the stable C API
// (`tensorflow/c/c_api.h`, `tensorflow/c/eager/c_api.h`), which every TensorFlow 2.x wheel carries under
// `tensorflow/include/` next to `libtensorflow_cc.so.2` and `libtensorflow_framework.so.2`, so a wheel from a pip
// index (or a file the user gives) stands in for the libtensorflow tarball tfjs-node's install script downloads.
import fs from "node:fs";
import path from "node:path";
import { Unzip, UnzipInflate } from "fflate";

/** What a wheel's file name says (PEP 427: `{name}-{version}-{python}-{abi}-{platform}.whl`). */
export interface WheelName {
  /** Distribution, normalised: `tensorflow`, `tensorflow_cpu`, `tensorflow_gpu`, `tensorflow_intel`, … */
  distribution: string;
  version: string;
  platform: string;
}

/**
 * Parses a TensorFlow wheel's file name.
 * @throws Error naming the file when it is not a `tensorflow*-X.Y.Z-…-linux…whl` wheel.
 */
export function parseWheelName(file: string): WheelName {
  const base = path.basename(file);
  const m = /^(tensorflow(?:_[a-z]+)?)-(\d+\.\d+\.\d+[^-]*)-[^-]+-[^-]+-([^-]+)\.whl$/.exec(base);
  if (m === null) {
    throw new Error(`${base} is not a TensorFlow wheel (expected tensorflow[_cpu|_gpu]-X.Y.Z-…-linux_x86_64.whl)`);
  }
  const [, distribution, version, platform] = m as unknown as [string, string, string, string];
  if (!/linux/.test(platform)) {
    throw new Error(`${base} is built for ${platform}; nfx native install handles Linux wheels only`);
  }
  return { distribution, version, platform };
}

/** The two libraries the binding links (`-ltensorflow -ltensorflow_framework`) and loads at run time. */
export const WHEEL_LIBRARIES = ["libtensorflow_cc.so.2", "libtensorflow_framework.so.2"] as const;

/** Header trees under the wheel's `tensorflow/include/` that the C API's headers include (checked after unpacking). */
const HEADER_DIRS = ["tensorflow/c/", "tensorflow/core/platform/", "tsl/", "xla/tsl/"];

/** The headers tfjs-node's binding includes; their `#include "…"` closure must be present. */
export const BINDING_HEADERS = ["tensorflow/c/c_api.h", "tensorflow/c/eager/c_api.h"] as const;

/** Whether a wheel entry is one nfx unpacks, and where it goes under the target (`lib/…` or `include/…`). */
function destinationOf(entry: string): string | null {
  const lib = WHEEL_LIBRARIES.find((l) => entry === `tensorflow/${l}`);
  if (lib !== undefined) return path.join("lib", lib);
  const prefix = "tensorflow/include/";
  if (!entry.startsWith(prefix) || !entry.endsWith(".h")) return null;
  const rel = entry.slice(prefix.length);
  if (rel.includes("..")) return null;
  return HEADER_DIRS.some((d) => rel.startsWith(d)) ? path.join("include", rel) : null;
}

/**
 * Unpacks the libraries and C headers of a TensorFlow wheel into `dir` (`dir/lib`, `dir/include`), streaming (the
 * wheel holds ≈0.8 GB of libtensorflow_cc; nothing is held in memory whole).
 * @returns bytes written.
 * @throws Error naming the wheel when it is not a zip, or lacks a library or a header the binding needs.
 */
export async function unpackWheel(wheel: string, dir: string): Promise<number> {
  let written = 0;
  const failures: unknown[] = [];
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  unzip.onfile = (file) => {
    const dest = destinationOf(file.name);
    if (dest === null) return;
    const out = path.join(dir, dest);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const fd = fs.openSync(out, "w", dest.startsWith("lib") ? 0o755 : 0o644);
    file.ondata = (err, data, final) => {
      if (err) {
        failures.push(err);
        fs.closeSync(fd);
        return;
      }
      fs.writeSync(fd, data);
      written += data.length;
      if (final) fs.closeSync(fd);
    };
    file.start();
  };
  await new Promise<void>((resolve, reject) => {
    const stream = fs.createReadStream(wheel, { highWaterMark: 1 << 20 });
    stream.on("data", (chunk) => {
      try {
        unzip.push(chunk as Uint8Array);
      } catch (err) {
        stream.destroy();
        reject(err);
      }
    });
    stream.on("error", reject);
    stream.on("end", () => {
      try {
        unzip.push(new Uint8Array(0), true);
        resolve();
      } catch (err) {
        reject(err);
      }
    });
  }).catch((err: unknown) => {
    throw new Error(`${path.basename(wheel)} could not be unpacked (${err instanceof Error ? err.message : err})`);
  });
  if (failures.length > 0) throw new Error(`${path.basename(wheel)} is corrupt (${String(failures[0])})`);
  for (const lib of WHEEL_LIBRARIES) {
    if (!fs.existsSync(path.join(dir, "lib", lib))) {
      throw new Error(`${path.basename(wheel)} has no tensorflow/${lib}: not a TensorFlow 2.x wheel nfx can use`);
    }
  }
  const missing = missingHeaders(path.join(dir, "include"));
  if (missing.length > 0) {
    throw new Error(`${path.basename(wheel)} lacks the C API headers ${missing.join(", ")} (tensorflow/include/…)`);
  }
  return written;
}

/** Headers in the `#include "…"` closure of BINDING_HEADERS that are absent from `includeDir`. */
export function missingHeaders(includeDir: string): string[] {
  const seen = new Set<string>();
  const missing: string[] = [];
  const todo: string[] = [...BINDING_HEADERS];
  while (todo.length > 0) {
    const h = todo.pop() as string;
    if (seen.has(h)) continue;
    seen.add(h);
    const file = path.join(includeDir, h);
    if (!fs.existsSync(file)) {
      missing.push(h);
      continue;
    }
    for (const m of fs.readFileSync(file, "utf8").matchAll(/^\s*#\s*include\s+"([^"]+)"/gm)) todo.push(m[1] as string);
  }
  return missing.sort();
}
