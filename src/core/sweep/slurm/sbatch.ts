// The job-array script: task i trains the script's i-th run with `nfx run`, into its own result shard. The hashes
// are inlined so that the script is the whole record of what was submitted. A submission larger than the cluster's
// MaxArraySize is several such scripts (submit.ts), each indexed from 0 over its own part of the runs.
import path from "node:path";
import type { SweepDirs } from "./layout.js";
import type { SlurmOptions } from "./options.js";

export interface SbatchInput {
  sweepName: string;
  dirs: SweepDirs;
  hashes: readonly string[];
  slurm: SlurmOptions;
  /** argv prefix that starts nfx on a compute node, e.g. [node, /path/to/bin/run.js]. */
  nfx: readonly string[];
  backend: string;
  /** A job array this one starts after (afterany), to keep max_concurrent across the arrays of one submission. */
  after?: string | null;
}

/** Single-quotes a word for bash. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function renderSbatch(input: SbatchInput): string {
  const { dirs, hashes, slurm } = input;
  if (hashes.length === 0) throw new Error("no runs to submit");
  const last = hashes.length - 1;
  const array = `0-${last}${slurm.max_concurrent ? `%${slurm.max_concurrent}` : ""}`;
  const directives = [
    `--job-name=${shellQuote(`nfx-${path.basename(dirs.root)}`)}`,
    `--array=${array}`,
    `--output=${shellQuote(path.join(dirs.logs, "%A_%a.out"))}`,
    "--ntasks=1",
    ...(slurm.partition ? [`--partition=${slurm.partition}`] : []),
    ...(slurm.time ? [`--time=${slurm.time}`] : []),
    ...(slurm.gpus_per_run > 0 ? [`--gpus=${slurm.gpus_per_run}`] : []),
    ...(slurm.cpus_per_run ? [`--cpus-per-task=${slurm.cpus_per_run}`] : []),
    ...(input.after ? [`--dependency=afterany:${input.after}`] : []),
    ...slurm.sbatch_args,
  ];
  const q = shellQuote;
  return `#!/bin/bash
# nfx sweep --executor slurm: sweep ${input.sweepName}, ${hashes.length} run(s), one array task per run.
${directives.map((d) => `#SBATCH ${d}`).join("\n")}
set -u
HASHES=(${hashes.join(" ")})
HASH=\${HASHES[$SLURM_ARRAY_TASK_ID]}
NFX=(${input.nfx.map(q).join(" ")})
# Each task writes only its own shard: SQLite must not be written by many hosts over a network filesystem.
rm -f ${q(dirs.shards)}/"$HASH".db ${q(dirs.shards)}/"$HASH".exit
"\${NFX[@]}" run --config ${q(dirs.runs)}/"$HASH".json --hash "$HASH" \\
  --shard ${q(dirs.shards)}/"$HASH".db --backend ${q(input.backend)} --retry-failed --quiet \\
  --out ${q(path.join(dirs.root, "figures"))}
code=$?
echo "$code" > ${q(dirs.shards)}/"$HASH".exit
exit "$code"
`;
}
