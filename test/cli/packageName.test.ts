// The package's name and its command: the npm registry's `nfx` is an unrelated package (issue 27 item 12), so nfx
// is published under another name while its command stays `nfx`; the README says how to run it outside the clone.
import assert from "node:assert/strict";
import fs from "node:fs";
import { test } from "node:test";

const pkg = JSON.parse(fs.readFileSync("package.json", "utf8")) as {
  name: string;
  bin: Record<string, string>;
  oclif: { bin: string };
};
const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8")) as {
  name: string;
  packages: { "": { name: string } };
};

test("the package is not named after the registry's unrelated 'nfx', and its command is still nfx", () => {
  assert.equal(pkg.name, "nfx-agc");
  assert.deepEqual(Object.keys(pkg.bin), ["nfx"]);
  assert.equal(pkg.bin.nfx, "./bin/run.js");
  assert.equal(pkg.oclif.bin, "nfx");
  assert.equal(lock.name, pkg.name);
  assert.equal(lock.packages[""].name, pkg.name);
});

test("the README says how to run nfx from any folder and keeps the Quick start", () => {
  const readme = fs.readFileSync("README.md", "utf8");
  assert.match(readme, /npm install && npx nfx sweep configs\/quickstart\.yaml/);
  assert.match(readme, /npm install -g \./);
  assert.match(readme, /npm link/);
  assert.match(readme, /`nfx-agc`/);
});
