// `nfx native install` / `nfx native status`: the native backend (tfjs-node's binding over libtensorflow) without
// the internet. tfjs-node 4.22's npm install script downloads libtensorflow 2.9.1 and a prebuilt addon from
// storage.googleapis.com; offline it fails and leaves the package without its addon. nfx instead takes
// libtensorflow from a TensorFlow wheel that pip fetches from the configured index (or a wheel file the user gives;
// see nativeWheel.ts), lays out tfjs-node's `deps/include` and `deps/lib` from it and compiles the addon from source
// (node-gyp, with the C++ compiler, make and Node headers of the machine). The steps, each skipped when its result
// is already there (so the command is idempotent, and repairs after `npm ci` wiped node_modules in seconds):
//   1. wheel      <cache>/native/wheels/<wheel>                 pip download --no-deps (≈275 MB for 2.21 CPU)
//   2. unpack     <cache>/native/tf/<wheel stem>/{lib,include}   the two .so.2 libraries + C headers (≈0.85 GB)
//   3. stage      <cache>/native/npm/<package>-<version>/        npm install --ignore-scripts of tfjs-node alone
//   4. build      its lib/napi-v8/tfjs_binding.node              node-pre-gyp install --build-from-source (≈15-25 s)
//   5. place      <project>/node_modules/@tensorflow/tfjs-node    a copy of the staged package (its own runtime deps
//                 nested under it, @tensorflow/tfjs resolved from the project so that both share one tfjs-core),
//                 with deps/lib and deps/include linking to step 2's directory
//   6. check      a fresh node process loads it and compares a conv gradient with tfjs's cpu backend
// The project's own node_modules is never handed to npm (an `npm install --no-save` there would prune any package
// installed beside the lockfile); only the package directory of step 5 is written, through a rename.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { resolveCacheDir } from "../base/cacheDir.js";
import { parseWheelName, unpackWheel, WHEEL_LIBRARIES, type WheelName } from "./nativeWheel.js";

export type NativeFlavour = "cpu" | "gpu";

export const NATIVE_PACKAGE: Record<NativeFlavour, string> = {
  cpu: "@tensorflow/tfjs-node",
  gpu: "@tensorflow/tfjs-node-gpu",
};

/**
 * What pip downloads when no wheel is given. TensorFlow 2.21's C API still has every TF_* / TFE_* function that
 * tfjs-node 4.22's binding calls (checked on the wheel's libtensorflow_cc.so.2 exports); `tensorflow-cpu` is the
 * CPU-only build, `tensorflow` the one with CUDA kernels (its CUDA libraries come from pip's `and-cuda` extra).
 */
export const DEFAULT_WHEEL_SPEC: Record<NativeFlavour, { requirement: string; distribution: string; prefix: string }> =
  {
    cpu: { requirement: "tensorflow-cpu==2.21.*", distribution: "tensorflow_cpu", prefix: "2.21." },
    gpu: { requirement: "tensorflow==2.21.*", distribution: "tensorflow", prefix: "2.21." },
  };

/** The marker nfx writes into the package directory it placed (step 5). */
const MARKER = "nfx-native.json";

interface Marker {
  wheel: string;
  tensorflowVersion: string;
  unpacked: string;
  installedAt: string;
}

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

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

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}

function findAddon(pkgDir: string): string | null {
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

export interface NativeInstallOptions {
  flavour?: NativeFlavour;
  /** A TensorFlow wheel file to take libtensorflow from, instead of pip's download. */
  wheel?: string;
  /** Redo every step whose result is not cached (re-place the package, rebuild the addon). */
  force?: boolean;
  /** nfx's cache directory (resolveCacheDir by default). */
  cacheDir?: string;
  /** The project's node_modules (projectNodeModules by default). */
  nodeModules?: string;
  /** Progress lines for people. */
  progress?: (line: string) => void;
}

export interface NativeInstallStep {
  step: "wheel" | "unpack" | "stage" | "build" | "place" | "check";
  /** `done` now, `cached` (its result was already there), or `skipped` (nothing to do: already installed). */
  action: "done" | "cached" | "skipped";
  detail: string;
  seconds: number;
}

export interface NativeInstallReport {
  package: string;
  version: string;
  wheel: { file: string; bytes: number; distribution: string; version: string };
  /** Disk nfx's cache holds for this install (wheel + unpacked libraries + staged package), bytes. */
  cacheBytes: number;
  steps: NativeInstallStep[];
  status: NativeStatus;
}

function dirBytes(p: string): number {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  let total = 0;
  for (const e of fs.readdirSync(p)) total += dirBytes(path.join(p, e));
  return total;
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(0)} MiB`;
  return `${(n / 2 ** 10).toFixed(0)} KiB`;
}

/** Runs a command; on failure throws one line naming the step and the command's last error line. */
function run(what: string, cmd: string, args: string[], cwd: string): string {
  const res = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  if (res.error) throw new Error(`${what}: could not run ${cmd} (${res.error.message})`);
  if (res.status !== 0) {
    const lines = `${res.stderr}\n${res.stdout}`.trim().split("\n");
    const line = lines.filter((l) => /error/i.test(l)).pop() ?? lines.pop() ?? "";
    throw new Error(`${what} failed: \`${cmd} ${args.join(" ")}\` exited ${res.status}: ${line.trim()}`);
  }
  return res.stdout;
}

/** The newest cached wheel that matches the default requirement. */
function cachedWheel(wheelsDir: string, flavour: NativeFlavour): string | null {
  if (!fs.existsSync(wheelsDir)) return null;
  const spec = DEFAULT_WHEEL_SPEC[flavour];
  const found = fs
    .readdirSync(wheelsDir)
    .filter((f) => f.endsWith(".whl"))
    .flatMap((f) => {
      try {
        const w = parseWheelName(f);
        return w.distribution === spec.distribution && w.version.startsWith(spec.prefix) ? [{ f, w }] : [];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.w.version.localeCompare(b.w.version, undefined, { numeric: true }));
  const last = found.pop();
  return last === undefined ? null : path.join(wheelsDir, last.f);
}

/** pip, as a python module first (pip's own advice), then the commands. */
function pipCommands(): [string, string[]][] {
  const py = process.env.NFX_PYTHON;
  return [
    ...(py ? [[py, ["-m", "pip"]] as [string, string[]]] : []),
    ["python3", ["-m", "pip"]],
    ["pip3", []],
    ["pip", []],
  ];
}

function pipDownload(flavour: NativeFlavour, wheelsDir: string): string {
  fs.mkdirSync(wheelsDir, { recursive: true });
  const spec = DEFAULT_WHEEL_SPEC[flavour];
  const errors: string[] = [];
  for (const [cmd, pre] of pipCommands()) {
    const args = [...pre, "download", spec.requirement, "--no-deps", "--only-binary=:all:", "-d", wheelsDir];
    try {
      run("pip download", cmd, args, wheelsDir);
      const got = cachedWheel(wheelsDir, flavour);
      if (got !== null) return got;
      errors.push(`${cmd}: no ${spec.distribution} ${spec.prefix}* wheel in ${wheelsDir} afterwards`);
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
      if (!/could not run/.test(errors[errors.length - 1] as string)) break;
    }
  }
  throw new Error(
    `could not download ${spec.requirement} with pip (${errors.join("; ")}); give a wheel file with --wheel FILE`,
  );
}

/** Lays out tfjs-node's deps/ from an unpacked wheel: deps/include and deps/lib link into the cache. */
function layoutDeps(pkgDir: string, unpacked: string): void {
  const deps = path.join(pkgDir, "deps");
  fs.rmSync(deps, { recursive: true, force: true });
  fs.mkdirSync(path.join(deps, "lib"), { recursive: true });
  fs.symlinkSync(path.join(unpacked, "include"), path.join(deps, "include"));
  const [cc, framework] = WHEEL_LIBRARIES;
  const links: [string, string][] = [
    [cc, cc],
    [framework, framework],
    // The binding links -ltensorflow -ltensorflow_framework (binding.gyp) …
    ["libtensorflow.so", cc],
    ["libtensorflow_framework.so", framework],
    // … and tfjs-node's install script downloads libtensorflow unless deps/lib/libtensorflow.so.2.9.1 exists (so an
    // `npm rebuild` compiles against this one instead).
    ["libtensorflow.so.2.9.1", cc],
    ["libtensorflow_framework.so.2.9.1", framework],
  ];
  for (const [name, target] of links) fs.symlinkSync(path.join(unpacked, "lib", target), path.join(deps, "lib", name));
}

/**
 * Installs the native backend offline (steps in the header). Idempotent: with the package in place and its
 * self-check passing, nothing is redone unless `force` or a different `wheel` is given.
 * @throws Error, one line naming the step that failed (pip download, unpack, npm, the addon build, the self-check).
 */
export async function installNative(opts: NativeInstallOptions = {}): Promise<NativeInstallReport> {
  const flavour = opts.flavour ?? "cpu";
  const say = opts.progress ?? (() => {});
  const nm = opts.nodeModules ?? projectNodeModules().dir;
  const pkg = NATIVE_PACKAGE[flavour];
  const cacheRoot = path.join(resolveCacheDir(opts.cacheDir), "native");
  const steps: NativeInstallStep[] = [];
  const timed = <T>(f: () => T): [T, number] => {
    const t0 = performance.now();
    const v = f();
    return [v, (performance.now() - t0) / 1000];
  };
  const before = nativeFiles(flavour, nm);
  const version = before.wantedVersion;

  // 1. The wheel.
  let wheel: string;
  if (opts.wheel !== undefined) {
    wheel = path.resolve(opts.wheel);
    if (!fs.existsSync(wheel)) throw new Error(`--wheel: ${opts.wheel} does not exist`);
    parseWheelName(wheel);
    steps.push({ step: "wheel", action: "cached", detail: `given: ${wheel}`, seconds: 0 });
  } else {
    const wheelsDir = path.join(cacheRoot, "wheels");
    const cached = cachedWheel(wheelsDir, flavour);
    if (cached !== null) {
      wheel = cached;
      steps.push({ step: "wheel", action: "cached", detail: wheel, seconds: 0 });
    } else {
      say(
        `downloading ${DEFAULT_WHEEL_SPEC[flavour].requirement} with pip (no dependencies; ≈275 MB for the CPU build) into ${wheelsDir}`,
      );
      const [got, s] = timed(() => pipDownload(flavour, wheelsDir));
      wheel = got;
      steps.push({ step: "wheel", action: "done", detail: wheel, seconds: s });
    }
  }
  const wheelName: WheelName = parseWheelName(wheel);
  const wheelBytes = fs.statSync(wheel).size;
  say(`wheel: ${path.basename(wheel)} (${formatBytes(wheelBytes)})`);

  // Already installed from this wheel and working: nothing to do.
  if (!opts.force && before.problems.length === 0 && before.wheel === path.basename(wheel)) {
    say(`${pkg} ${before.version} is installed (from ${before.wheel}); checking it`);
    const check = nativeSelfCheck(before.dir);
    if (check.ok) {
      steps.push({ step: "check", action: "done", detail: `TensorFlow ${check.tensorflowVersion}`, seconds: 0 });
      say(`ok: TensorFlow ${check.tensorflowVersion} loads from ${check.loadedLibrary ?? before.library}`);
      const status: NativeStatus = { ...before, ok: true, check };
      return report(pkg, version, wheel, wheelBytes, wheelName, cacheRoot, steps, status);
    }
    say(`its self-check failed (${check.error}); reinstalling`);
  }

  // 2. Unpack the libraries and headers.
  const unpacked = path.join(cacheRoot, "tf", path.basename(wheel, ".whl"));
  if (fs.existsSync(path.join(unpacked, ".complete"))) {
    steps.push({ step: "unpack", action: "cached", detail: unpacked, seconds: 0 });
  } else {
    say(`unpacking libtensorflow and its C headers (≈0.85 GB) into ${unpacked}`);
    const t0 = performance.now();
    const tmp = `${unpacked}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    const bytes = await unpackWheel(wheel, tmp);
    fs.writeFileSync(path.join(tmp, ".complete"), `${path.basename(wheel)}\n`);
    fs.rmSync(unpacked, { recursive: true, force: true });
    fs.renameSync(tmp, unpacked);
    steps.push({
      step: "unpack",
      action: "done",
      detail: `${unpacked} (${formatBytes(bytes)})`,
      seconds: (performance.now() - t0) / 1000,
    });
  }

  // 3. Stage tfjs-node (npm, scripts off) in the cache, away from the project's node_modules.
  const stage = path.join(cacheRoot, "npm", `${pkg.replace("/", "+")}-${version}`);
  const stagedPkg = path.join(stage, "node_modules", ...pkg.split("/"));
  const stagedMeta = readJson<{ version: string }>(path.join(stagedPkg, "package.json"));
  if (stagedMeta?.version === version) {
    steps.push({ step: "stage", action: "cached", detail: stagedPkg, seconds: 0 });
  } else {
    say(`fetching ${pkg}@${version} with npm (--ignore-scripts) into ${stage}`);
    fs.rmSync(stage, { recursive: true, force: true });
    fs.mkdirSync(stage, { recursive: true });
    fs.writeFileSync(path.join(stage, "package.json"), '{ "private": true }\n');
    const [, s] = timed(() =>
      run(
        "npm install",
        "npm",
        ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-save", `${pkg}@${version}`],
        stage,
      ),
    );
    // tfjs itself comes from the project (one tfjs-core); the staged copy of it is only disk.
    for (const e of fs.readdirSync(path.join(stage, "node_modules", "@tensorflow"))) {
      if (`@tensorflow/${e}` !== pkg)
        fs.rmSync(path.join(stage, "node_modules", "@tensorflow", e), { recursive: true });
    }
    steps.push({ step: "stage", action: "done", detail: stagedPkg, seconds: s });
  }

  // 4. Build the addon against this wheel's libtensorflow.
  const builtWith = path.join(stagedPkg, "nfx-built-with");
  const builtFor = `${path.basename(wheel)} node-abi ${process.versions.modules} napi ${process.versions.napi}`;
  const addon = findAddon(stagedPkg);
  if (!opts.force && addon !== null && fs.existsSync(builtWith) && fs.readFileSync(builtWith, "utf8") === builtFor) {
    steps.push({ step: "build", action: "cached", detail: addon, seconds: 0 });
  } else {
    say(`compiling tfjs_binding.node against TensorFlow ${wheelName.version} (node-gyp, ≈20 s)`);
    layoutDeps(stagedPkg, unpacked);
    fs.rmSync(path.join(stagedPkg, "build"), { recursive: true, force: true });
    fs.rmSync(path.join(stagedPkg, "lib"), { recursive: true, force: true });
    const [, s] = timed(() => run("the addon build", "npm", ["run", "build-addon-from-source"], stagedPkg));
    const built = findAddon(stagedPkg);
    if (built === null) throw new Error(`the addon build left no tfjs_binding.node under ${stagedPkg}/lib`);
    fs.writeFileSync(builtWith, builtFor);
    steps.push({ step: "build", action: "done", detail: built, seconds: s });
  }

  // 5. Place the package into the project's node_modules (a rename, so it is never half-written).
  const final = path.join(nm, ...pkg.split("/"));
  say(`placing ${pkg}@${version} in ${final}`);
  const [, placeS] = timed(() => {
    const tmp = `${final}.nfx-tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(tmp), { recursive: true });
    fs.cpSync(stagedPkg, tmp, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (src) => {
        const rel = path.relative(stagedPkg, src);
        return !["build", "deps", "nfx-built-with"].includes(rel.split(path.sep)[0] as string);
      },
    });
    // Its runtime dependencies other than tfjs (node-pre-gyp finds the addon, google-protobuf reads summaries),
    // nested under it; @tensorflow/tfjs resolves from the project.
    const stagedNm = path.join(stage, "node_modules");
    for (const e of fs.readdirSync(stagedNm)) {
      if (e === "@tensorflow" || e.startsWith(".")) continue;
      fs.cpSync(path.join(stagedNm, e), path.join(tmp, "node_modules", e), { recursive: true, verbatimSymlinks: true });
    }
    layoutDeps(tmp, unpacked);
    const marker: Marker = {
      wheel: path.basename(wheel),
      tensorflowVersion: wheelName.version,
      unpacked,
      installedAt: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(tmp, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    const old = `${final}.nfx-old-${process.pid}`;
    if (fs.existsSync(final)) fs.renameSync(final, old);
    fs.renameSync(tmp, final);
    fs.rmSync(old, { recursive: true, force: true });
  });
  steps.push({ step: "place", action: "done", detail: final, seconds: placeS });

  // 6. Check it in a fresh process.
  say("self-check: loading it in a fresh process and comparing a conv gradient with the cpu backend");
  const [status, checkS] = timed(() => nativeStatus(flavour, nm));
  if (!status.ok) {
    const why = status.check?.error ?? status.problems.join("; ");
    throw new Error(`${pkg} was installed in ${final} but does not work: ${why}`);
  }
  steps.push({
    step: "check",
    action: "done",
    detail: `TensorFlow ${status.check?.tensorflowVersion}, |Δ| vs cpu ${status.check?.maxAbsDiff?.toExponential(1)}`,
    seconds: checkS,
  });
  say(`ok: TensorFlow ${status.check?.tensorflowVersion} loads from ${status.check?.loadedLibrary ?? status.library}`);
  return report(pkg, version, wheel, wheelBytes, wheelName, cacheRoot, steps, status);
}

function report(
  pkg: string,
  version: string,
  wheel: string,
  wheelBytes: number,
  w: WheelName,
  cacheRoot: string,
  steps: NativeInstallStep[],
  status: NativeStatus,
): NativeInstallReport {
  const stage = path.join(cacheRoot, "npm", `${pkg.replace("/", "+")}-${version}`);
  const cacheBytes = wheelBytes + dirBytes(path.join(cacheRoot, "tf", path.basename(wheel, ".whl"))) + dirBytes(stage);
  return {
    package: pkg,
    version,
    wheel: { file: wheel, bytes: wheelBytes, distribution: w.distribution, version: w.version },
    cacheBytes,
    steps,
    status,
  };
}
