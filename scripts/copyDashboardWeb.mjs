// Part of `npm run build`: the dashboard's front end (src/dashboard/web: html, css, classic scripts) is not
// TypeScript, so tsc does not emit it; it is copied beside the compiled server (dist/dashboard/web), replacing
// what an earlier build left there.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const from = path.join(root, "src/dashboard/web");
const to = path.join(root, "dist/dashboard/web");
fs.rmSync(to, { recursive: true, force: true });
fs.cpSync(from, to, { recursive: true });
