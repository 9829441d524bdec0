// `nfx native install` / `nfx native status`: wheel names, the header closure, the per-run thread budget, and the
// file checks that detect an install that `npm ci` wiped — on constructed trees, so that they run without the wheel.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { nativeFiles, projectNodeModules } from "../../src/core/engine/native/nativeStatus.js";
import { missingHeaders, parseWheelName } from "../../src/core/engine/native/nativeWheel.js";
import { threadsPerRun } from "../../src/core/sweep/options.js";
import { nativeSkipReason, tempDir, writeFile } from "../helpers.js";

describe("TensorFlow wheel names", () => {
  test("CPU, GPU and plain wheels parse; others are refused naming the file", () => {
    assert.deepEqual(parseWheelName("/x/tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl"), {
      distribution: "tensorflow_cpu",
      version: "2.21.0",
      platform: "manylinux_2_27_x86_64",
    });
    assert.equal(parseWheelName("tensorflow-2.21.0rc1-cp312-cp312-manylinux_2_27_x86_64.whl").version, "2.21.0rc1");
    assert.throws(() => parseWheelName("numpy-2.0.0-cp311-cp311-manylinux_2_17_x86_64.whl"), /numpy-2\.0\.0.* not a/);
    assert.throws(() => parseWheelName("tensorflow-2.16.1-cp311-cp311-macosx_12_0_arm64.whl"), /macosx.*Linux/);
  });
});

describe("C API header closure", () => {
  test("every header the binding's includes reach must be present", () => {
    const dir = tempDir();
    writeFile(dir, "tensorflow/c/c_api.h", '#include "tensorflow/c/tf_status.h"\n#include <stdint.h>\n');
    writeFile(dir, "tensorflow/c/eager/c_api.h", '#include "tensorflow/c/c_api.h"\n  #  include "tsl/x.h"\n');
    writeFile(dir, "tensorflow/c/tf_status.h", "");
    assert.deepEqual(missingHeaders(dir), ["tsl/x.h"]);
    writeFile(dir, "tsl/x.h", '#include "tensorflow/c/c_api.h"\n'); // cycles end
    assert.deepEqual(missingHeaders(dir), []);
  });
});

describe("threads per run (--jobs × --threads never exceeds the cores)", () => {
  test("default: cores ÷ jobs, at least 1", () => {
    assert.equal(threadsPerRun(1, undefined, 16), 16);
    assert.equal(threadsPerRun(2, undefined, 16), 8);
    assert.equal(threadsPerRun(3, undefined, 16), 5);
    assert.equal(threadsPerRun(4, undefined, 2), 1);
    for (let jobs = 1; jobs <= 8; jobs++) {
      for (const cores of [1, 2, 3, 8, 64]) {
        const t = threadsPerRun(jobs, undefined, cores);
        assert.ok(t >= 1 && (jobs <= cores ? jobs * t <= cores : t === 1), `${jobs} jobs on ${cores} cores: ${t}`);
      }
    }
  });
  test("an explicit count is kept when it fits, refused naming both flags when it does not", () => {
    assert.equal(threadsPerRun(2, 4, 8), 4);
    assert.throws(() => threadsPerRun(2, 5, 8), /--threads 5 × --jobs 2 = 10 threads would oversubscribe the 8 cores/);
    assert.throws(() => threadsPerRun(1, 0, 8), /--threads must be a positive integer/);
  });
});

/** A node_modules with tfjs-core and (optionally) a tfjs-node package as `nfx native install` leaves it. */
function fakeTree(opts: { deps: boolean; addon: boolean; version?: string }): { nm: string; lib: string } {
  const root = tempDir();
  const nm = path.join(root, "node_modules");
  writeFile(nm, "@tensorflow/tfjs-core/package.json", '{"name":"@tensorflow/tfjs-core","version":"4.22.0"}');
  for (const dep of ["@tensorflow/tfjs", "@mapbox/node-pre-gyp", "google-protobuf"]) {
    writeFile(nm, `${dep}/package.json`, `{"name":"${dep}","version":"1.0.0"}`);
  }
  const pkg = path.join(nm, "@tensorflow", "tfjs-node");
  writeFile(pkg, "package.json", `{"name":"@tensorflow/tfjs-node","version":"${opts.version ?? "4.22.0"}"}`);
  writeFile(pkg, "nfx-native.json", '{"wheel":"tensorflow_cpu-2.21.0-x.whl","tensorflowVersion":"2.21.0"}');
  const lib = writeFile(root, "cache/lib/libtensorflow_cc.so.2", "");
  if (opts.addon) writeFile(pkg, "lib/napi-v8/tfjs_binding.node", "");
  if (opts.deps) {
    fs.mkdirSync(path.join(pkg, "deps", "lib"), { recursive: true });
    fs.symlinkSync(lib, path.join(pkg, "deps", "lib", "libtensorflow_cc.so.2"));
  }
  return { nm, lib };
}

describe("native package file checks", () => {
  test("complete: no problems, the library resolved through deps/lib, nfx and its wheel named", () => {
    const { nm, lib } = fakeTree({ deps: true, addon: true });
    const f = nativeFiles("cpu", nm);
    assert.deepEqual(f.problems, []);
    assert.equal(f.library, fs.realpathSync(lib));
    assert.equal(f.source, "nfx");
    assert.equal(f.tensorflowVersion, "2.21.0");
  });
  test("after npm ci wiped deps/ (or the cache was removed): named, with the version mismatch and the missing addon", () => {
    const { nm, lib } = fakeTree({ deps: true, addon: false, version: "4.21.0" });
    fs.rmSync(lib);
    const f = nativeFiles("cpu", nm);
    assert.equal(f.problems.length, 3, f.problems.join("; "));
    assert.match(f.problems.join("\n"), /4\.21\.0 does not match @tensorflow\/tfjs-core 4\.22\.0/);
    assert.match(f.problems.join("\n"), /no compiled addon/);
    assert.match(f.problems.join("\n"), /deps\/lib has no libtensorflow/);
  });
  test("absent: not installed", () => {
    const { nm } = fakeTree({ deps: false, addon: false });
    fs.rmSync(path.join(nm, "@tensorflow", "tfjs-node"), { recursive: true });
    assert.deepEqual(nativeFiles("cpu", nm).problems, ["@tensorflow/tfjs-node is not installed"]);
  });
  test("nfx's own node_modules is found (the one holding tfjs-core)", () => {
    const found = projectNodeModules();
    assert.ok(fs.existsSync(path.join(found.dir, "@tensorflow", "tfjs-core")));
    assert.match(found.tfjsCoreVersion, /^\d+\.\d+\.\d+/);
  });
  test("this machine: installed and complete, or the skip reason the native tests print", () => {
    const reason = nativeSkipReason();
    if (reason === false) assert.deepEqual(nativeFiles("cpu").problems, []);
    else assert.match(reason, /npx nfx native install/);
  });
});
