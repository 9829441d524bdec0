// A zero-byte file as store (`: > zero.db`) reads as an empty store for every reading path, and is left untouched.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { readonlyQuery } from "../../src/core/store/readonlyQuery.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { tempDir } from "../helpers.js";

test("a zero-byte store file reads as an empty store (runs, query), and stays zero bytes", () => {
  const file = path.join(tempDir(), "zero.db");
  fs.writeFileSync(file, "");
  const store = RunStore.open(file, { readonly: true });
  try {
    assert.deepEqual(store.listRuns(), []);
    assert.equal(store.getRun(1), undefined);
  } finally {
    store.close();
  }
  assert.deepEqual(readonlyQuery(file, "SELECT count(*) AS n FROM runs").rows, [{ n: 0 }]);
  assert.equal(fs.statSync(file).size, 0);
});
