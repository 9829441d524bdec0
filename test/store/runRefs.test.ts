// Run references (`nfx runs show REF`, `nfx runs rm REF…`): an id or a config-hash prefix, resolved exactly — no
// LIKE wildcards, an ambiguous reference refused with its candidates, an all-digit one never silently an id.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { resolveRunRefs } from "../../src/core/store/removeRuns.js";
import { AmbiguousRunError } from "../../src/core/store/runStore.js";
import { tempDir } from "../helpers.js";
import { HASHES, storeWithChosenHashes } from "./chosenHashes.js";

describe("run references", () => {
  const store = storeWithChosenHashes(path.join(tempDir(), "refs.db"));
  const idOf = (ref: string) => store.getRun(ref)?.id;

  it("an id, a hash prefix (any case, at least 4 digits), id:N", () => {
    assert.equal(idOf("2"), 2, "a short all-digit reference is an id");
    assert.equal(idOf("1234abcd"), 1);
    assert.equal(idOf("1234ABCE"), 2);
    assert.equal(idOf("0002f"), 3);
    assert.equal(idOf("id:0002"), 2);
    assert.equal(idOf("ffff"), undefined, "a prefix matches at the start only");
    assert.equal(idOf("99"), undefined);
    assert.equal(store.getRun(3)?.config_hash, HASHES[2]);
  });

  it("LIKE wildcards and other junk are not references", () => {
    for (const ref of ["_", "%", "1234%", "12_4", "", "abc"]) {
      assert.throws(() => store.getRun(ref), /not a run id|too short for a config-hash prefix/, ref);
    }
  });

  it("an ambiguous reference is refused with its candidates, also between an id and a hash", () => {
    assert.throws(
      () => store.getRun("1234abc"),
      (err: Error) =>
        err instanceof AmbiguousRunError &&
        err.message ===
          "'1234abc' is ambiguous: it names run 1 (hash 1234abcd00000000), run 2 (hash 1234abce00000000); " +
            "give more digits of the hash",
    );
    assert.throws(
      () => store.getRun("0002"),
      (err: Error) =>
        err instanceof AmbiguousRunError &&
        /names run 2 \(by id\), run 3 \(hash 0002ffff00000000\).*\(or id:0002 for the id\)/.test(err.message),
    );
  });

  it("runs rm resolves every reference before deleting: a bad one deletes nothing", () => {
    for (const refs of [["_"], ["%"], ["1", "1234abc"], ["0002"], ["3", "77"]]) {
      assert.throws(() => resolveRunRefs(store, refs), /\(nothing deleted\)$/, refs.join(" "));
    }
    assert.equal(store.listRuns().length, 3);
    assert.deepEqual(
      resolveRunRefs(store, ["1", "1234abcd", "id:0002"]).map((r) => r.id),
      [1, 2],
      "each run once",
    );
  });
});
