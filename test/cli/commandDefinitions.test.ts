// Every command's definition, walked from src/commands: one base (NfxCommand: --json, one-line failures), a
// description, examples and a description for every flag (consistent --help), and repeatable flags that never
// swallow the positional arguments after them (issue 14 item 4: `nfx sweep --set train.epochs=2 FILE` failed with
// "Missing 1 required arg").
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { type Command, type Interfaces, Parser } from "@oclif/core";
import { NfxCommand } from "../../src/ui/command.js";

const commandsDir = path.resolve(import.meta.dirname, "../../src/commands");

type CommandClass = Command.Class & {
  flags?: Interfaces.FlagInput;
  args?: Interfaces.ArgInput;
  strict?: boolean;
  examples?: unknown[];
};

async function loadCommands(): Promise<Map<string, CommandClass>> {
  const out = new Map<string, CommandClass>();
  const files = fs.readdirSync(commandsDir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
  for (const file of files.sort()) {
    const mod = (await import(pathToFileURL(path.join(commandsDir, file)).href)) as { default: CommandClass };
    out.set(file.replace(/\.ts$/, "").split(path.sep).join(" "), mod.default);
  }
  return out;
}

const commands = await loadCommands();

/** A value a flag accepts, for parsing only (options flags take their first option). */
function sample(flag: Interfaces.Flag<unknown>, i: number): string {
  const options = (flag as { options?: readonly string[] }).options;
  return options?.[i % options.length] ?? `value-${i}`;
}

describe("command definitions", () => {
  it("finds every command, including nfx config", () => {
    for (const id of ["sweep", "run", "runs", "runs show", "runs rm", "export", "doctor", "config", "bench training"]) {
      assert.ok(commands.has(id), `${id} is loaded`);
    }
  });

  for (const [id, C] of commands) {
    it(`${id}: NfxCommand with --json, a description, examples, and every flag described`, () => {
      assert.ok(C.prototype instanceof NfxCommand, `${id} extends NfxCommand`);
      assert.equal(C.enableJsonFlag, true, `${id} has --json`);
      assert.ok((C.description ?? "").length > 20, `${id} has a description`);
      assert.ok((C.examples ?? []).length > 0, `${id} has examples`);
      for (const [name, flag] of Object.entries(C.flags ?? {})) {
        assert.ok((flag.description ?? "").length > 0, `${id} --${name} has a description`);
      }
    });

    it(`${id}: positional arguments may follow any flag, repeatable ones included`, async () => {
      const flags = Object.entries(C.flags ?? {});
      const args = Object.entries(C.args ?? {});
      const argv: string[] = [];
      const expectFlags: Record<string, unknown> = {};
      for (const [name, flag] of flags) {
        if (flag.type !== "option") continue;
        if (flag.multiple) {
          assert.equal(flag.multipleNonGreedy, true, `${id} --${name} is repeatable and must not be greedy`);
          argv.push(`--${name}`, sample(flag, 0), `--${name}`, sample(flag, 1));
          expectFlags[name] = [sample(flag, 0), sample(flag, 1)];
        } else if (flag.required) {
          argv.push(`--${name}`, sample(flag, 0));
          expectFlags[name] = sample(flag, 0);
        }
      }
      // Every declared argument (and, for a variadic command, two more values) after all the flags.
      const positional = args.map(([name]) => `${name}-value`);
      if (C.strict === false) positional.push("extra-1", "extra-2");
      const parsed = await Parser.parse([...argv, ...positional], {
        flags: C.flags ?? {},
        args: C.args ?? {},
        strict: C.strict ?? true,
      });
      for (const [name, value] of Object.entries(expectFlags)) {
        assert.deepEqual(parsed.flags[name], value, `${id} --${name}`);
      }
      for (const [name] of args) assert.equal(parsed.args[name], `${name}-value`, `${id} argument ${name}`);
      assert.deepEqual(parsed.argv, positional, `${id}: every positional value is an argument`);
    });
  }

  it("the issue's probe: nfx sweep --set train.epochs=2 configs/quickstart.yaml", async () => {
    const Sweep = commands.get("sweep") as CommandClass;
    const parsed = await Parser.parse(
      ["--set", "train.epochs=2", "configs/quickstart.yaml", "--set", "agc.lambda=null", "--sbatch-arg=--qos=x", "-q"],
      { flags: Sweep.flags ?? {}, args: Sweep.args ?? {}, strict: true },
    );
    assert.equal(parsed.args.config, "configs/quickstart.yaml");
    assert.deepEqual(parsed.flags.set, ["train.epochs=2", "agc.lambda=null"]);
    assert.deepEqual(parsed.flags["sbatch-arg"], ["--qos=x"]);
    assert.equal(parsed.flags.quiet, true);
  });
});
