// A store whose runs have hashes chosen to collide on prefixes (and with run ids), for run-reference tests.
import { resolveConfig } from "../../src/core/config/resolve.js";
import { RunStore } from "../../src/core/store/runStore.js";

/** Runs 1, 2, 3 with chosen hashes: 1 and 2 share the prefix 1234abc, 3's hash starts with 0002 (run 2's id). */
export const HASHES = ["1234abcd00000000", "1234abce00000000", "0002ffff00000000"];

export function storeWithChosenHashes(file: string): RunStore {
  const store = RunStore.open(file);
  HASHES.forEach((h, i) => {
    store.ensureRun(resolveConfig({ seed: i }), h, null);
  });
  return store;
}
