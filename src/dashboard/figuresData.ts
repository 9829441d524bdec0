// The Figures and Report views' data: the paper's figures and claims decided from the store on demand, by the
// same code as `nfx report` (experiments/report/buildReport with out: null: nothing is written), for a preset's
// sweeps or a selection of stored runs (every run by default, --sweep NAME, --where EXPR).
import { parsePreset } from "../experiments/figures/presets.js";
import { SWEEP_FIGURES } from "../experiments/figures/registry.js";
import { buildReport, type Report } from "../experiments/report/buildReport.js";
import { reportResult } from "../experiments/report/reportResult.js";
import { jsonDocument } from "../ui/jsonKeys.js";
import { type ApiRequest, HttpError, param } from "./request.js";

/** GET /api/figures: the sweep figures the Figures view offers. */
export function figuresList(): unknown {
  return { figures: SWEEP_FIGURES.map((f) => ({ name: f.name, title: f.title, description: f.description })) };
}

async function report(req: ApiRequest): Promise<Report> {
  const presetText = param(req, "preset");
  let preset: ReturnType<typeof parsePreset> | undefined;
  try {
    preset = presetText === undefined ? undefined : parsePreset(presetText);
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
  const sweep = param(req, "sweep");
  const where = param(req, "where");
  if (preset && (sweep || where))
    throw new HttpError(400, "preset: give a preset or a selection (sweep, where), not both");
  try {
    return (await buildReport({ db: req.db, out: null, preset, sweep, where })).report;
  } catch (err) {
    // A selection that selects nothing, a store without runs: the request's selection is at fault.
    throw new HttpError(400, (err as Error).message);
  }
}

/**
 * GET /api/report: `nfx report --json`'s document (its `claims` in the paper's order with their runs used and left
 * out; no files written, so `html` and `markdown` are null), plus the report itself (each figure's spec and
 * mechanism table) that the page draws.
 */
export async function reportPage(req: ApiRequest): Promise<unknown> {
  const r = await report(req);
  const { seconds: _seconds, ...doc } = reportResult({ report: r, html: null, markdown: null }, 0);
  // The claims as the CLI writes them: keys in snake_case (ui/jsonKeys.ts), as every --json document.
  return { ...doc, ...r, claims: jsonDocument(doc.claims) };
}

/** GET /api/figure/:name: one figure of the report, its spec drawn from the store; 404 for a name nfx lacks. */
export async function figurePage(req: ApiRequest, name: string): Promise<unknown> {
  if (!SWEEP_FIGURES.some((f) => f.name === name)) throw new HttpError(404, `no figure '${name}'`);
  const r = await report(req);
  const figure = r.figures.find((f) => f.figure === name);
  return { preset: r.preset, selection: r.selection, selected: r.selected, figure };
}
