import { Command, Flags } from "@oclif/core";
import { BACKEND_NAMES, type BackendName, initBackend } from "../core/engine/backend.js";

export default class Doctor extends Command {
  static override description = "Show which compute backend nfx uses and why.";
  static override enableJsonFlag = true;
  static override flags = {
    backend: Flags.string({ description: "backend to check", options: [...BACKEND_NAMES], default: "auto" }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Doctor);
    const info = await initBackend(flags.backend as BackendName);
    this.log(`backend: ${info.name} ${info.version} on ${info.device} (${info.reason})`);
    for (const s of info.skipped) this.log(`  skipped ${s.name}: ${s.why}`);
    return info;
  }
}
