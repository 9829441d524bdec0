// What a run ran on: recorded with every run so that results can be traced months later.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BackendInfo } from "../engine/backend/backend.js";
import type { RunEnvironment } from "../store/runStore.js";

const require = createRequire(import.meta.url);
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** A package's version; packages whose exports hide package.json (vega-lite) are found from their entry point. */
function version(pkg: string): string | null {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    try {
      let dir = path.dirname(require.resolve(pkg));
      while (dir !== path.dirname(dir)) {
        const file = path.join(dir, "package.json");
        if (fs.existsSync(file)) {
          const meta = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
          if (meta.name === pkg) return meta.version ?? null;
        }
        dir = path.dirname(dir);
      }
    } catch {
      // not installed
    }
    return null;
  }
}

function git(args: string[]): string | null {
  try {
    return execFileSync("git", args, { cwd: packageRoot, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

let cached: Omit<RunEnvironment, "backend" | "backend_version" | "device"> | undefined;

export function runEnvironment(backend: BackendInfo): RunEnvironment {
  if (!cached) {
    const commit = git(["rev-parse", "HEAD"]);
    const dirty = commit === null ? null : (git(["status", "--porcelain", "--untracked-files=no"]) ?? "") !== "";
    cached = {
      host: os.hostname(),
      node_version: process.version,
      nfx_version: (require(path.join(packageRoot, "package.json")) as { version: string }).version,
      git_commit: commit,
      git_dirty: dirty,
      extra: {
        platform: `${os.platform()}-${os.arch()}`,
        cpus: os.cpus().length,
        packages: Object.fromEntries(
          ["@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm", "better-sqlite3", "vega-lite"].map((p) => [
            p,
            version(p),
          ]),
        ),
      },
    };
  }
  return {
    ...cached,
    backend: backend.name,
    backend_version: backend.version,
    device: backend.device,
    extra: {
      ...cached.extra,
      backend_reason: backend.reason,
      ...(backend.simd === undefined ? {} : { simd: backend.simd }),
      ...(backend.threads === undefined ? {} : { threads: backend.threads }),
      ...(backend.nfxKernels === undefined ? {} : { nfx_kernels: backend.nfxKernels }),
      // tensorflow / tensorflow-gpu: which libtensorflow ran, from where, and its thread pools.
      ...(backend.native === undefined
        ? {}
        : {
            tensorflow_version: backend.native.tensorflowVersion,
            tf_intra_op_threads: backend.native.intraOpThreads,
            tf_inter_op_threads: backend.native.interOpThreads,
            libtensorflow: backend.native.library,
            native_installed_by: backend.native.installedBy,
            using_gpu: backend.native.usingGpu,
          }),
    },
  };
}
