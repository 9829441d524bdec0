import { spawn } from "node:child_process";
import { Flags } from "@oclif/core";
import { type Dashboard, DEFAULT_HOST, DEFAULT_PORT, startDashboard } from "../dashboard/server.js";
import { NfxCommand } from "../ui/command.js";
import { failWith } from "../ui/errors.js";
import { dbFlag } from "../ui/flags.js";

export default class Ui extends NfxCommand {
  static override description =
    "Browse the store in a web page: runs (filter, sort, group), a run, compare, live sweeps, figures, report (read-only; see docs/ui.md).";
  static override examples = [
    "<%= config.bin %> ui",
    "<%= config.bin %> ui --db results/nfx.db --port 9000 --open",
    "<%= config.bin %> ui --host 0.0.0.0   # other machines: prints a token they must show",
    "<%= config.bin %> ui --export supplement/dashboard",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    db: dbFlag,
    port: Flags.integer({
      char: "p",
      description: "port to listen on (0: any free port)",
      default: DEFAULT_PORT,
      min: 0,
      max: 65535,
    }),
    host: Flags.string({
      description: "address to listen on; any but a loopback address requires the token printed at start",
      default: DEFAULT_HOST,
    }),
    open: Flags.boolean({ description: "open the page in the default browser", default: false }),
    export: Flags.string({ description: "write a static, self-contained snapshot of the pages into DIR and exit" }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Ui);
    try {
      if (flags.export) {
        // Loaded only here: the export draws the figures, whose code `nfx ui` itself loads on first use.
        const { exportSnapshot } = await import("../dashboard/exportSnapshot.js");
        const result = await exportSnapshot(flags.db, flags.export);
        if (!this.jsonEnabled())
          this.log(
            `wrote ${flags.export}/index.html: ${result.runs} runs, ${result.sweeps} sweeps, ${result.answers} answers, ` +
              `${(result.bytes / 1e6).toFixed(1)} MB${result.errors.length ? `; left out: ${result.errors.join("; ")}` : ""}`,
          );
        return result;
      }
      const dash = await startDashboard({ db: flags.db, host: flags.host, port: flags.port });
      const started = { url: dash.url, host: dash.host, port: dash.port, token: dash.token, db: flags.db };
      // With --json the document is printed once the server listens (scripts need the port then), not at exit, on
      // one line so that a script reading the first line has it whole.
      if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify(started)}\n`);
      else this.log(startedText(dash, flags.db));
      if (flags.open) openBrowser(dash.url);
      await untilInterrupted();
      await dash.close();
      if (!this.jsonEnabled()) this.log("stopped");
      return this.jsonEnabled() ? this.exit(0) : started;
    } catch (err) {
      return failWith(this, err);
    }
  }
}

function startedText(dash: Dashboard, db: string): string {
  const lines = [`nfx ui: ${db} (read-only) at ${dash.url}`];
  if (dash.token)
    lines.push(`token: ${dash.token} (every request must show it: ?token=, a cookie, or Authorization: Bearer)`);
  lines.push("Ctrl-C stops it");
  return lines.join("\n");
}

/** Resolves at the first SIGINT or SIGTERM (and stops listening for them). */
function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** The platform's opener, detached; a failure to open is not the server's failure (the URL is printed). */
function openBrowser(url: string): void {
  const cmd = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  try {
    spawn(cmd, [url], { detached: true, stdio: "ignore" })
      .on("error", () => {})
      .unref();
  } catch {
    // The URL is printed above; the user opens it.
  }
}
