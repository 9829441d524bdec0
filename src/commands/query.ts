// `nfx query SQL`: one read-only statement on the store, printed as a table or --json rows. The SQL may start with
// comments, as a saved file does (`nfx query "$(cat q.sql)"`), and so with `--` or `/*`: an argument that starts
// with `-` but is not one of the command's flags is the statement, not an unknown flag.
import { Args } from "@oclif/core";
import { readonlyQuery } from "../core/store/readonlyQuery.js";
import { cell } from "../ui/cells.js";
import { NfxCommand } from "../ui/command.js";
import { failWith } from "../ui/errors.js";
import { dbFlag } from "../ui/flags.js";
import { table } from "../ui/format.js";

export default class Query extends NfxCommand {
  static override description = "Run one read-only SQL statement on the store (writes are refused).";
  static override examples = [
    `<%= config.bin %> query "SELECT agc_lambda, batch_size, avg(test_top1) FROM runs WHERE status = 'completed' GROUP BY 1, 2"`,
    `<%= config.bin %> query "SELECT step, value FROM metrics WHERE run_id = 1 AND name = 'loss'" --json`,
  ];
  static override enableJsonFlag = true;
  static override args = {
    sql: Args.string({ description: "one SELECT / WITH / EXPLAIN / PRAGMA statement", required: true }),
  };
  static override flags = { db: dbFlag };

  /** The rows as SQLite returns them: their keys are the statement's column names, written by the user. */
  protected override toSuccessJson(result: unknown): unknown {
    return result;
  }

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(Query, sqlAsArgument(this.argv));
    try {
      const res = readonlyQuery(flags.db, args.sql);
      if (this.jsonEnabled()) return res.rows;
      if (res.columns.length)
        this.log(
          table(
            res.columns,
            res.rows.map((r) => res.columns.map((c) => cell(r[c]))),
          ),
        );
      this.log(`(${res.rows.length} row${res.rows.length === 1 ? "" : "s"})`);
      return res.rows;
    } catch (err) {
      return failWith(this, err);
    }
  }
}

/** A flag as the parser reads it: `-x`, `--name` or `--name=value` (a name has no spaces or newlines). */
const FLAG_TOKEN = /^--?[A-Za-z][\w-]*(?:=|$)/;

/**
 * argv with every argument that starts with `-` but is no flag (SQL opening with a `-- comment` line) moved after
 * a `--`, where the parser takes it as the statement. argv that already holds a `--` is left as written.
 */
export function sqlAsArgument(argv: readonly string[]): string[] {
  if (argv.includes("--")) return [...argv];
  const isSql = (a: string) => a.startsWith("-") && a !== "-" && !FLAG_TOKEN.test(a);
  const sql = argv.filter(isSql);
  return sql.length ? [...argv.filter((a) => !isSql(a)), "--", ...sql] : [...argv];
}
