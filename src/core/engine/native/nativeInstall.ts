// `nfx native install` (its status, read-only, is nativeStatus.ts): the native backend (tfjs-node's binding over libtensorflow) without
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
import fs from "node:fs";
import path from "node:path";
import { resolveCacheDir } from "../../base/cacheDir.js";
import { tempSibling } from "../../base/files.js";
import { cachedWheel, DEFAULT_WHEEL_SPEC, pipDownload, runTool } from "./nativePip.js";
import {
  findAddon,
  MARKER,
  type Marker,
  NATIVE_PACKAGE,
  type NativeFiles,
  type NativeFlavour,
  type NativeStatus,
  nativeFiles,
  nativeSelfCheck,
  nativeStatus,
  projectNodeModules,
  readJson,
} from "./nativeStatus.js";
import { parseWheelName, unpackWheel, WHEEL_LIBRARIES, type WheelName } from "./nativeWheel.js";
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
 * Installs the native backend offline (steps in the header, one function each below, in that order). Idempotent:
 * with the package in place and its self-check passing, nothing is redone unless `force` or a different `wheel` is
 * given.
 * @throws Error, one line naming the step that failed (pip download, unpack, npm, the addon build, the self-check).
 */
export async function installNative(opts: NativeInstallOptions = {}): Promise<NativeInstallReport> {
  const flavour = opts.flavour ?? "cpu";
  const nm = opts.nodeModules ?? projectNodeModules().dir;
  const before = nativeFiles(flavour, nm);
  const job: InstallJob = {
    flavour,
    pkg: NATIVE_PACKAGE[flavour],
    version: before.wantedVersion,
    nm,
    cacheRoot: path.join(resolveCacheDir(opts.cacheDir), "native"),
    force: opts.force === true,
    say: opts.progress ?? (() => {}),
    steps: [],
  };
  const wheel = wheelStep(job, opts.wheel);
  const current = alreadyInstalled(job, before, wheel);
  if (current !== null) return current;
  const unpacked = await unpackStep(job, wheel);
  const staged = stageStep(job);
  buildStep(job, wheel, unpacked, staged);
  const final = placeStep(job, wheel, unpacked, staged);
  return checkStep(job, wheel, final);
}

/** One install's fixed facts, and the steps it has taken so far. */
interface InstallJob {
  flavour: NativeFlavour;
  pkg: string;
  /** The tfjs-node version to install (= the project's tfjs-core). */
  version: string;
  /** The project's node_modules. */
  nm: string;
  /** <cache>/native. */
  cacheRoot: string;
  force: boolean;
  say: (line: string) => void;
  steps: NativeInstallStep[];
}

/** The wheel libtensorflow comes from: its path, parsed name and size. */
interface InstallWheel {
  file: string;
  name: WheelName;
  bytes: number;
}

/** The staging directory of step 3 and the tfjs-node package inside it. */
interface Staged {
  stage: string;
  pkgDir: string;
}

function timed<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const v = f();
  return [v, (performance.now() - t0) / 1000];
}

/** 1. The wheel: the one given, else the newest cached one, else pip's download. */
function wheelStep(job: InstallJob, given: string | undefined): InstallWheel {
  let wheel: string;
  if (given !== undefined) {
    wheel = path.resolve(given);
    if (!fs.existsSync(wheel)) throw new Error(`--wheel: ${given} does not exist`);
    parseWheelName(wheel);
    job.steps.push({ step: "wheel", action: "cached", detail: `given: ${wheel}`, seconds: 0 });
  } else {
    const wheelsDir = path.join(job.cacheRoot, "wheels");
    const cached = cachedWheel(wheelsDir, job.flavour);
    if (cached !== null) {
      wheel = cached;
      job.steps.push({ step: "wheel", action: "cached", detail: wheel, seconds: 0 });
    } else {
      job.say(
        `downloading ${DEFAULT_WHEEL_SPEC[job.flavour].requirement} with pip (no dependencies; ≈275 MB for the CPU build) into ${wheelsDir}`,
      );
      const [got, s] = timed(() => pipDownload(job.flavour, wheelsDir));
      wheel = got;
      job.steps.push({ step: "wheel", action: "done", detail: wheel, seconds: s });
    }
  }
  const name: WheelName = parseWheelName(wheel);
  const bytes = fs.statSync(wheel).size;
  job.say(`wheel: ${path.basename(wheel)} (${formatBytes(bytes)})`);
  return { file: wheel, name, bytes };
}

/** Already installed from this wheel and working: nothing to do (the report), else null. */
function alreadyInstalled(job: InstallJob, before: NativeFiles, wheel: InstallWheel): NativeInstallReport | null {
  if (job.force || before.problems.length > 0 || before.wheel !== path.basename(wheel.file)) return null;
  job.say(`${job.pkg} ${before.version} is installed (from ${before.wheel}); checking it`);
  const check = nativeSelfCheck(before.dir);
  if (check.ok) {
    job.steps.push({ step: "check", action: "done", detail: `TensorFlow ${check.tensorflowVersion}`, seconds: 0 });
    job.say(`ok: TensorFlow ${check.tensorflowVersion} loads from ${check.loadedLibrary ?? before.library}`);
    const status: NativeStatus = { ...before, ok: true, check };
    return report(job, wheel, status);
  }
  job.say(`its self-check failed (${check.error}); reinstalling`);
  return null;
}

/** 2. Unpack the libraries and headers (into a temporary directory, renamed when complete). */
async function unpackStep(job: InstallJob, wheel: InstallWheel): Promise<string> {
  const unpacked = path.join(job.cacheRoot, "tf", path.basename(wheel.file, ".whl"));
  if (fs.existsSync(path.join(unpacked, ".complete"))) {
    job.steps.push({ step: "unpack", action: "cached", detail: unpacked, seconds: 0 });
    return unpacked;
  }
  job.say(`unpacking libtensorflow and its C headers (≈0.85 GB) into ${unpacked}`);
  const t0 = performance.now();
  const tmp = tempSibling(unpacked);
  fs.rmSync(tmp, { recursive: true, force: true });
  const bytes = await unpackWheel(wheel.file, tmp);
  fs.writeFileSync(path.join(tmp, ".complete"), `${path.basename(wheel.file)}\n`);
  fs.rmSync(unpacked, { recursive: true, force: true });
  fs.renameSync(tmp, unpacked);
  job.steps.push({
    step: "unpack",
    action: "done",
    detail: `${unpacked} (${formatBytes(bytes)})`,
    seconds: (performance.now() - t0) / 1000,
  });
  return unpacked;
}

/** The staging directory of `pkg`@`version` in the cache. */
function stageDir(cacheRoot: string, pkg: string, version: string): string {
  return path.join(cacheRoot, "npm", `${pkg.replace("/", "+")}-${version}`);
}

/** 3. Stage tfjs-node (npm, scripts off) in the cache, away from the project's node_modules. */
function stageStep(job: InstallJob): Staged {
  const { pkg, version } = job;
  const stage = stageDir(job.cacheRoot, pkg, version);
  const pkgDir = path.join(stage, "node_modules", ...pkg.split("/"));
  const stagedMeta = readJson<{ version: string }>(path.join(pkgDir, "package.json"));
  if (stagedMeta?.version === version) {
    job.steps.push({ step: "stage", action: "cached", detail: pkgDir, seconds: 0 });
    return { stage, pkgDir };
  }
  job.say(`fetching ${pkg}@${version} with npm (--ignore-scripts) into ${stage}`);
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  fs.writeFileSync(path.join(stage, "package.json"), '{ "private": true }\n');
  const [, s] = timed(() =>
    runTool(
      "npm install",
      "npm",
      ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-save", `${pkg}@${version}`],
      stage,
    ),
  );
  // tfjs itself comes from the project (one tfjs-core); the staged copy of it is only disk.
  for (const e of fs.readdirSync(path.join(stage, "node_modules", "@tensorflow"))) {
    if (`@tensorflow/${e}` !== pkg) fs.rmSync(path.join(stage, "node_modules", "@tensorflow", e), { recursive: true });
  }
  job.steps.push({ step: "stage", action: "done", detail: pkgDir, seconds: s });
  return { stage, pkgDir };
}

/** 4. Build the addon against this wheel's libtensorflow (unless built for this wheel and Node ABI already). */
function buildStep(job: InstallJob, wheel: InstallWheel, unpacked: string, staged: Staged): void {
  const stagedPkg = staged.pkgDir;
  const builtWith = path.join(stagedPkg, "nfx-built-with");
  const builtFor = `${path.basename(wheel.file)} node-abi ${process.versions.modules} napi ${process.versions.napi}`;
  const addon = findAddon(stagedPkg);
  if (!job.force && addon !== null && fs.existsSync(builtWith) && fs.readFileSync(builtWith, "utf8") === builtFor) {
    job.steps.push({ step: "build", action: "cached", detail: addon, seconds: 0 });
    return;
  }
  job.say(`compiling tfjs_binding.node against TensorFlow ${wheel.name.version} (node-gyp, ≈20 s)`);
  layoutDeps(stagedPkg, unpacked);
  fs.rmSync(path.join(stagedPkg, "build"), { recursive: true, force: true });
  fs.rmSync(path.join(stagedPkg, "lib"), { recursive: true, force: true });
  const [, s] = timed(() => runTool("the addon build", "npm", ["run", "build-addon-from-source"], stagedPkg));
  const built = findAddon(stagedPkg);
  if (built === null) throw new Error(`the addon build left no tfjs_binding.node under ${stagedPkg}/lib`);
  fs.writeFileSync(builtWith, builtFor);
  job.steps.push({ step: "build", action: "done", detail: built, seconds: s });
}

/** 5. Place the package into the project's node_modules (a rename, so it is never half-written). */
function placeStep(job: InstallJob, wheel: InstallWheel, unpacked: string, staged: Staged): string {
  const final = path.join(job.nm, ...job.pkg.split("/"));
  job.say(`placing ${job.pkg}@${job.version} in ${final}`);
  const [, placeS] = timed(() => {
    const tmp = tempSibling(final);
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(tmp), { recursive: true });
    copyStagedPackage(staged, tmp);
    layoutDeps(tmp, unpacked);
    const marker: Marker = {
      wheel: path.basename(wheel.file),
      tensorflowVersion: wheel.name.version,
      unpacked,
      installedAt: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(tmp, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    const old = `${final}.nfx-old-${process.pid}`;
    if (fs.existsSync(final)) fs.renameSync(final, old);
    fs.renameSync(tmp, final);
    fs.rmSync(old, { recursive: true, force: true });
  });
  job.steps.push({ step: "place", action: "done", detail: final, seconds: placeS });
  return final;
}

/** The staged package without its build leftovers, and its runtime dependencies nested under it, into `dir`. */
function copyStagedPackage(staged: Staged, dir: string): void {
  const stagedPkg = staged.pkgDir;
  fs.cpSync(stagedPkg, dir, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => {
      const rel = path.relative(stagedPkg, src);
      return !["build", "deps", "nfx-built-with"].includes(rel.split(path.sep)[0] as string);
    },
  });
  // Its runtime dependencies other than tfjs (node-pre-gyp finds the addon, google-protobuf reads summaries),
  // nested under it; @tensorflow/tfjs resolves from the project.
  const stagedNm = path.join(staged.stage, "node_modules");
  for (const e of fs.readdirSync(stagedNm)) {
    if (e === "@tensorflow" || e.startsWith(".")) continue;
    fs.cpSync(path.join(stagedNm, e), path.join(dir, "node_modules", e), { recursive: true, verbatimSymlinks: true });
  }
}

/** 6. Check it in a fresh process. */
function checkStep(job: InstallJob, wheel: InstallWheel, final: string): NativeInstallReport {
  job.say("self-check: loading it in a fresh process and comparing a conv gradient with the cpu backend");
  const [status, checkS] = timed(() => nativeStatus(job.flavour, job.nm));
  if (!status.ok) {
    const why = status.check?.error ?? status.problems.join("; ");
    throw new Error(`${job.pkg} was installed in ${final} but does not work: ${why}`);
  }
  job.steps.push({
    step: "check",
    action: "done",
    detail: `TensorFlow ${status.check?.tensorflowVersion}, |Δ| vs cpu ${status.check?.maxAbsDiff?.toExponential(1)}`,
    seconds: checkS,
  });
  job.say(
    `ok: TensorFlow ${status.check?.tensorflowVersion} loads from ${status.check?.loadedLibrary ?? status.library}`,
  );
  return report(job, wheel, status);
}

function report(job: InstallJob, wheel: InstallWheel, status: NativeStatus): NativeInstallReport {
  const stage = stageDir(job.cacheRoot, job.pkg, job.version);
  const cacheBytes =
    wheel.bytes + dirBytes(path.join(job.cacheRoot, "tf", path.basename(wheel.file, ".whl"))) + dirBytes(stage);
  return {
    package: job.pkg,
    version: job.version,
    wheel: { file: wheel.file, bytes: wheel.bytes, distribution: wheel.name.distribution, version: wheel.name.version },
    cacheBytes,
    steps: job.steps,
    status,
  };
}
