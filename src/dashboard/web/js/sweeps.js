// The Sweeps view, live: every sweep with its runs by status and its progress, re-read every second, so a sweep
// another process starts appears, and its runs' curves grow, about a second after its writer commits them.
(() => {
  const { api, el, cell, statusMark, table, chart, errorLine } = window.nfx;
  const POLL_MS = 1000;

  function progress(s) {
    return s.steps_total ? `${s.steps_done ?? 0}/${s.steps_total} steps` : "—";
  }

  function sweepsTable(sweeps) {
    return table(
      ["id", "name", "runs", "statuses", "progress", "started", "finished"],
      sweeps.map((s) =>
        el(
          "tr",
          { "data-sweep": s.id },
          el("td", {}, el("a", { href: `#/sweep/${s.id}` }, s.id)),
          el("td", {}, s.name),
          el("td", {}, s.runs),
          el(
            "td",
            {},
            Object.entries(s.statuses).map(([st, n]) => el("span", {}, `${n} `, statusMark(st), " ")),
          ),
          el("td", {}, progress(s)),
          el("td", {}, s.created_at),
          el("td", {}, s.finished_at ? s.finished_at : statusMark("running")),
        ),
      ),
    );
  }

  /** Re-reads `load` every POLL_MS into `out` until the view is left (a snapshot is read once). */
  function live(root, out, load) {
    const refresh = async () => {
      try {
        const node = await load();
        out.replaceChildren(node);
      } catch (err) {
        out.replaceChildren(errorLine(err));
      }
    };
    refresh();
    if (window.NFX_SNAPSHOT) return;
    const timer = setInterval(() => {
      if (!root.isConnected) clearInterval(timer);
      else refresh();
    }, POLL_MS);
    window.nfx.onLeave(() => clearInterval(timer));
  }

  window.nfx.views.sweeps = async (root) => {
    const out = el("div", { id: "sweeps-out" });
    root.append(el("h1", {}, "Sweeps"), el("p", { className: "muted" }, "live: re-read every second"), out);
    live(root, out, async () => {
      const sweeps = await api("/api/sweeps");
      return sweeps.length ? sweepsTable(sweeps) : el("p", { className: "muted" }, "no sweeps in the store yet");
    });
  };

  function curvesSpec(points) {
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values: points },
      facet: { field: "metric", type: "nominal", title: null },
      spec: {
        width: 320,
        height: 180,
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "step", type: "quantitative" },
          y: { field: "value", type: "quantitative", scale: { zero: false }, title: null },
          color: { field: "run", type: "nominal" },
        },
      },
      resolve: { scale: { y: "independent" } },
    };
  }

  window.nfx.views.sweep = async (root, _params, id) => {
    const out = el("div", { id: "sweep-out" });
    root.append(out);
    let shown = "";
    live(root, out, async () => {
      const data = await api(`/api/sweeps/${encodeURIComponent(id)}`);
      const key = JSON.stringify(data);
      if (key === shown) return out.firstChild;
      shown = key;
      const runs = table(
        ["run", "status", "λ", "seed", "steps", "test top-1"],
        data.runs.map((r) =>
          el(
            "tr",
            {},
            el("td", {}, el("a", { href: `#/run/${r.id}` }, r.id)),
            el("td", {}, statusMark(r.status)),
            [cell(r.lambda), r.seed, `${r.steps_done}/${r.steps_total ?? "?"}`, cell(r.test_top1)].map((v) =>
              el("td", {}, v),
            ),
          ),
        ),
      );
      return el(
        "div",
        {},
        el("h1", {}, `Sweep ${data.sweep.id}: ${data.sweep.name}`),
        el(
          "p",
          { className: "muted" },
          data.sweep.finished_at ? `finished ${data.sweep.finished_at}` : "running (live)",
        ),
        runs,
        // The sweep's own figure, as `nfx sweep` draws it, of the runs with a result so far.
        data.figure
          ? el("div", { id: "sweep-figure" }, chart(data.figure))
          : el("p", { className: "muted" }, "no run has a result yet"),
        data.curves.length ? chart(curvesSpec(data.curves)) : el("p", { className: "muted" }, "no steps stored yet"),
      );
    });
  };
})();
