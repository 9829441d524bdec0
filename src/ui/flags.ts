// Flags shared by commands.
import { Flags } from "@oclif/core";
import { BACKEND_NAMES } from "../core/engine/backend/backend.js";
import { DEFAULT_DB } from "../core/store/runStore.js";
import { defaultJobs } from "../core/sweep/options.js";

export const dbFlag = Flags.string({
  description: "run store (SQLite file)",
  env: "NFX_DB",
  default: DEFAULT_DB,
});

export const backendFlag = Flags.string({
  description: "compute backend (auto: the fastest that loads and passes a self-check)",
  options: [...BACKEND_NAMES],
  default: "auto",
});

export const quietFlag = Flags.boolean({ char: "q", description: "no progress output", default: false });

export const setFlag = Flags.string({
  description: "override a config key, e.g. --set agc.lambda=0.02 (repeatable)",
  multiple: true,
  multipleNonGreedy: true, // one value per --flag: positional arguments may follow it
  default: [],
});

export const jobsFlag = Flags.integer({
  char: "j",
  description: "worker processes, each training one run at a time (default: the number of cores)",
  min: 1,
  default: async () => defaultJobs(),
});

export const threadsFlag = Flags.integer({
  description:
    "TensorFlow threads per run on the tensorflow backends (intra-op pool; default: cores ÷ --jobs; --jobs × --threads may not exceed the cores). wasm and cpu compute on one thread: refused with --backend wasm/cpu, said to have no effect when auto picks them",
  min: 1,
});

export const failFastFlag = Flags.boolean({
  description: "stop the sweep at the first failed run (running runs are interrupted)",
  default: false,
});

export const progressFlag = Flags.string({
  description: "progress on stderr: human (bar and a line per run) or jsonl (one JSON object per event)",
  options: ["human", "jsonl"],
  default: "human",
});

export const waitFlag = Flags.boolean({
  description:
    "wait for runs that another live nfx process is training (default; says which process); with --no-wait, exit " +
    "with an error naming them instead",
  allowNo: true,
  default: true,
});

/** `--init-from FILE`: the same as `--set model.init_from=FILE` (fine-tuning from stored or imported weights). */
export const initFromFlag = Flags.string({
  description:
    "start from these weights (safetensors or npz; nfx, timm or DeepMind names, detected): --set model.init_from=FILE; a classifier for another class count is re-initialised",
});

/** The --set list with `--init-from` (when given) appended as `model.init_from=`. */
export function withInitFrom(sets: readonly string[], initFrom: string | undefined): string[] {
  return initFrom === undefined ? [...sets] : [...sets, `model.init_from=${JSON.stringify(initFrom)}`];
}
