import fs from "node:fs";
import { writeFigure } from "./src/core/plot/render.js";
const spec = JSON.parse(fs.readFileSync("/tmp/sweepfig/own.json", "utf8"));
const [mode, align] = process.argv.slice(2);
for (const part of spec.vconcat) {
  const row = part.facet?.row;
  if (!row) continue;
  if (mode === "left") row.header = { labelAngle: 0, labelAlign: "right", labelOrient: "left" };
  if (mode === "top") row.header = { labelAngle: 0, labelAlign: "left", labelOrient: "top", labelAnchor: "start" };
}
if (align) spec.align = align;
spec.bounds = "flush";
console.log(await writeFigure(spec, "/tmp/sweepfig", `own-${mode}-${align}`, ["png"]));
