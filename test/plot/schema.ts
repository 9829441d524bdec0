// Validation against the official Vega-Lite JSON schema shipped with vega-lite.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";

const root = path.resolve(import.meta.dirname, "../..");
const schema = JSON.parse(
  fs.readFileSync(path.join(root, "node_modules/vega-lite/build/vega-lite-schema.json"), "utf8"),
);
const validate = new Ajv({ strict: false, allErrors: true, logger: false }).compile(schema);

export function assertValidVegaLite(spec: unknown, what: string): void {
  assert.ok(validate(spec), `${what}: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
}

/** Pixels of a PNG that are neither white nor grey: the colored marks that show data. */
export function coloredPixels(png: { data: Buffer; width: number; height: number }): number {
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const r = png.data[i] as number;
    const g = png.data[i + 1] as number;
    const b = png.data[i + 2] as number;
    if (Math.max(r, g, b) - Math.min(r, g, b) > 40) n++;
  }
  return n;
}
