// The native backend as it stands (`nfx native status`, `nfx doctor`, the tests' skip rule): what its files say
// (package present, version matching tfjs-core, addon built, libtensorflow reachable, dependencies resolvable) and,
// when they are complete, a self-check in a fresh node process that loads it and compares a conv gradient with
// tfjs's cpu backend. Nothing here writes; nativeInstall.ts puts the package in place.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export type NativeFlavour = "cpu" | "gpu";

export const NATIVE_PACKAGE: Record<NativeFlavour, string> = {
  cpu: "@tensorflow/tfjs-node",
  gpu: "@tensorflow/tfjs-node-gpu",
};

/** The marker nfx writes into the package directory it placed (nativeInstall.ts, step 5). */
export const MARKER = "nfx-native.json";

export interface Marker {
  wheel: string;
  tensorflowVersion: string;
  unpacked: string;
  installedAt: string;
}

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

/**
 * The node_modules directory nfx loads its tfjs from (the first one up from nfx's package root that holds
 * @tensorflow/tfjs-core, symlinks not resolved) and that tfjs-core's version: tfjs-node must be the same version so
 * that both use one tfjs-core.
 * @throws Error when no node_modules up from `start` has @tensorflow/tfjs-core (nfx's dependencies not installed).
 */
export function projectNodeModules(start: string = packageRoot): { dir: string; tfjsCoreVersion: string } {
  let d = path.resolve(start);
  for (;;) {
    const meta = path.join(d, "node_modules", "@tensorflow", "tfjs-core", "package.json");
    if (fs.existsSync(meta)) {
      const { version } = JSON.parse(fs.readFileSync(meta, "utf8")) as { version: string };
      return { dir: path.join(d, "node_modules"), tfjsCoreVersion: version };
    }
    const up = path.dirname(d);
    if (up === d) throw new Error(`no node_modules with @tensorflow/tfjs-core above ${start}: run npm install first`);
    d = up;
  }
}

/** Where the native backend stands, from its files alone (nothing is loaded). */
export interface NativeFiles {
  package: string;
  /** The tfjs-node version nfx needs (= @tensorflow/tfjs-core's). */
  wantedVersion: string;
  /** Where the package is, or would be placed. */
  dir: string;
  /** Installed version, or null when the package is absent. */
  version: string | null;
  /** The compiled binding, when present. */
  addon: string | null;
  /** The libtensorflow the binding would load (symlinks resolved), when present. */
  library: string | null;
  /** `nfx` (placed by nfx native install, from a wheel) or `npm` (its own install script), null when absent. */
  source: "nfx" | "npm" | null;
  /** nfx: the wheel it came from. */
  wheel: string | null;
  /** libtensorflow's version as installed: nfx's marker, or 2.9.1 for npm's download. */
  tensorflowVersion: string | null;
  /** Why it cannot load as it stands; empty when the files are complete. */
  problems: string[];
}

export function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}

export function findAddon(pkgDir: string): string | null {
  const lib = path.join(pkgDir, "lib");
  if (!fs.existsSync(lib)) return null;
  for (const d of fs.readdirSync(lib)) {
    const f = path.join(lib, d, "tfjs_binding.node");
    if (fs.existsSync(f)) return f;
  }
  return null;
}

/** Inspects the native package's files: present, right version, addon built, libtensorflow reachable, deps resolvable. */
export function nativeFiles(flavour: NativeFlavour = "cpu", nodeModules?: string): NativeFiles {
  const nm =
    nodeModules === undefined
      ? projectNodeModules()
      : {
          dir: nodeModules,
          tfjsCoreVersion:
            readJson<{ version: string }>(path.join(nodeModules, "@tensorflow", "tfjs-core", "package.json"))
              ?.version ?? "unknown",
        };
  const wantedVersion = nm.tfjsCoreVersion;
  const pkg = NATIVE_PACKAGE[flavour];
  const dir = path.join(nm.dir, ...pkg.split("/"));
  const meta = readJson<{ version: string }>(path.join(dir, "package.json"));
  const marker = readJson<Marker>(path.join(dir, MARKER));
  const files: NativeFiles = {
    package: pkg,
    wantedVersion,
    dir,
    version: meta?.version ?? null,
    addon: null,
    library: null,
    source: null,
    wheel: marker?.wheel ?? null,
    tensorflowVersion: marker?.tensorflowVersion ?? null,
    problems: [],
  };
  if (meta === null) {
    files.problems.push(`${pkg} is not installed`);
    return files;
  }
  files.source = marker === null ? "npm" : "nfx";
  if (marker === null && fs.existsSync(path.join(dir, "deps", "lib", "libtensorflow.so.2.9.1")))
    files.tensorflowVersion = "2.9.1";
  if (meta.version !== wantedVersion) {
    files.problems.push(`${pkg} ${meta.version} does not match @tensorflow/tfjs-core ${wantedVersion}`);
  }
  files.addon = findAddon(dir);
  if (files.addon === null) files.problems.push(`${pkg} has no compiled addon (lib/napi-v*/tfjs_binding.node)`);
  const libDir = path.join(dir, "deps", "lib");
  for (const name of ["libtensorflow_cc.so.2", "libtensorflow.so.2"]) {
    const f = path.join(libDir, name);
    if (fs.existsSync(f)) {
      files.library = fs.realpathSync(f);
      break;
    }
  }
  if (files.library === null) {
    files.problems.push(
      `${pkg}'s deps/lib has no libtensorflow (wiped by npm ci, or the cache it links to was removed)`,
    );
  }
  const req = createRequire(path.join(dir, "package.json"));
  for (const dep of ["@mapbox/node-pre-gyp", "google-protobuf", "@tensorflow/tfjs"]) {
    try {
      req.resolve(`${dep}/package.json`);
    } catch {
      files.problems.push(`${pkg}'s dependency ${dep} cannot be resolved from ${dir}`);
    }
  }
  return files;
}

/** What a fresh process that loads the native package reports. */
export interface NativeSelfCheck {
  ok: boolean;
  /** TF_Version() of the loaded libtensorflow. */
  tensorflowVersion: string | null;
  /** The libtensorflow file the process mapped (/proc/self/maps), when readable. */
  loadedLibrary: string | null;
  /** Largest |Δ| between the tensorflow and cpu backends' gradient of a small conv (same inputs). */
  maxAbsDiff: number | null;
  /** Why not ok: the load error or the mismatch. */
  error: string | null;
}

/** Tolerance of the self-check's gradient comparison (float32 sums of ≈100 terms of size ≈1). */
const SELF_CHECK_TOL = 1e-4;

const SELF_CHECK_SCRIPT = String.raw`
const fs = require("node:fs");
const tf = require(process.argv[1]);
const f = (x) => (w) => tf.conv2d(x, w, 1, "same").square().mean();
const run = () => tf.tidy(() => {
  const x = tf.tensor4d(Array.from({ length: 2 * 6 * 6 * 3 }, (_, i) => Math.sin(i * 0.37)), [2, 6, 6, 3]);
  const w = tf.tensor4d(Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => 0.3 * Math.cos(i * 0.11)), [3, 3, 3, 4]);
  return Array.from(tf.grad(f(x))(w).dataSync());
});
const native = run();
const version = tf.backend().binding.TF_Version;
tf.setBackend("cpu");
const cpu = run();
let maxAbsDiff = 0;
for (let i = 0; i < cpu.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(cpu[i] - native[i]));
let lib = null;
try {
  lib = fs.readFileSync("/proc/self/maps", "utf8").split("\n").map((l) => l.split(/\s+/)[5]).find((p) => p && /libtensorflow(_cc)?\.so/.test(p)) || null;
} catch {}
process.stdout.write(JSON.stringify({ tensorflowVersion: version, loadedLibrary: lib, maxAbsDiff }) + "\n");
`;

/** Loads the native package in a fresh node process and checks a conv gradient against the cpu backend. */
export function nativeSelfCheck(pkgDir: string): NativeSelfCheck {
  const res = spawnSync(process.execPath, ["-e", SELF_CHECK_SCRIPT, pkgDir], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? "2" },
  });
  const fail = (error: string): NativeSelfCheck => ({
    ok: false,
    tensorflowVersion: null,
    loadedLibrary: null,
    maxAbsDiff: null,
    error,
  });
  if (res.error) return fail(res.error.message);
  if (res.status !== 0) {
    const lines = res.stderr.trim().split("\n");
    const line = lines.find((l) => /Error|error:|cannot open/.test(l)) ?? lines.pop() ?? `exit status ${res.status}`;
    return fail(line.trim());
  }
  const out = readJsonText<{ tensorflowVersion: string; loadedLibrary: string | null; maxAbsDiff: number }>(
    res.stdout.trim().split("\n").pop() ?? "",
  );
  if (out === null) return fail("unreadable output from the self-check process");
  const ok = Number.isFinite(out.maxAbsDiff) && out.maxAbsDiff <= SELF_CHECK_TOL;
  return {
    ok,
    tensorflowVersion: out.tensorflowVersion,
    loadedLibrary: out.loadedLibrary,
    maxAbsDiff: out.maxAbsDiff,
    error: ok ? null : `conv gradient differs from the cpu backend's by ${out.maxAbsDiff} (> ${SELF_CHECK_TOL})`,
  };
}

function readJsonText<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

export interface NativeStatus extends NativeFiles {
  /** Files complete and the self-check passed. */
  ok: boolean;
  /** Null when the files are incomplete (nothing to load). */
  check: NativeSelfCheck | null;
}

/** nativeFiles, plus a self-check in a fresh process when the files are complete. */
export function nativeStatus(flavour: NativeFlavour = "cpu", nodeModules?: string): NativeStatus {
  const files = nativeFiles(flavour, nodeModules);
  const check = files.problems.length === 0 ? nativeSelfCheck(files.dir) : null;
  return { ...files, ok: check?.ok === true, check };
}
