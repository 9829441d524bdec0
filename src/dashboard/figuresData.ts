// The Figures and Report views' data: the paper's figures and claims decided from the store on demand, by the
// same code as `nfx report` (experiments/report/buildReport with out: null: nothing is written), for a preset's
// sweeps or a selection of stored runs (every run by default, --sweep NAME, --where EXPR).
import { parsePreset } from "../experiments/figures/presets.js";
import { SWEEP_FIGURES } from "../experiments/figures/registry.js";
import { buildReport, type Report } from "../experiments/report/buildReport.js";
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

/** GET /api/report: every claim decided, each figure's spec and mechanism table (what `nfx report --json` holds). */
export async function reportPage(req: ApiRequest): Promise<unknown> {
  return report(req);
}

/** GET /api/figure/:name: one figure of the report, its spec drawn from the store; 404 for a name nfx lacks. */
export async function figurePage(req: ApiRequest, name: string): Promise<unknown> {
  if (!SWEEP_FIGURES.some((f) => f.name === name)) throw new HttpError(404, `no figure '${name}'`);
  const r = await report(req);
  const figure = r.figures.find((f) => f.figure === name);
  return { preset: r.preset, selection: r.selection, selected: r.selected, figure };
}
