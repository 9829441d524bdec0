// The Compare view: chosen runs' configs side by side (keys that differ highlighted and listed first), their
// curves overlaid — a line per series (the config without its seed), a band of ± one standard error over its
// seeds —, a parallel-coordinates view of the varying keys against top-1, and each key's η² for the metric.
(() => {
  const { api, el, cell, statusMark, table, chart, hashParams } = window.nfx;
  const CURVES = ["loss", "eval/test_top1", "clip_frac", "lr"];

  function diffTable(data) {
    const ordered = [...data.config.filter((c) => c.differs), ...data.config.filter((c) => !c.differs)];
    const headers = ["key", ...data.runs.map((r) => el("th", {}, el("a", { href: `#/run/${r.id}` }, `run ${r.id}`)))];
    const rows = ordered.map((c) =>
      el(
        "tr",
        { className: c.differs ? "differs" : "" },
        el("td", {}, c.key),
        c.values.map((v) => el("td", {}, cell(v))),
      ),
    );
    const status = el(
      "tr",
      {},
      el("td", {}, "status"),
      data.runs.map((r) => el("td", {}, statusMark(r.status))),
    );
    const t = table(headers, [status, ...rows]);
    t.id = "config-diff";
    return t;
  }

  function curvesSpec(data) {
    const points = data.curves.filter((p) => CURVES.includes(p.metric));
    const color = { field: "series", type: "nominal", sort: data.series.order, title: "series" };
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values: points },
      facet: { field: "metric", type: "nominal", title: null, sort: CURVES },
      columns: 2,
      spec: {
        width: 320,
        height: 170,
        layer: [
          {
            mark: { type: "errorband", extent: "stderr", opacity: 0.25 },
            encoding: {
              x: { field: "step", type: "quantitative" },
              y: { field: "value", type: "quantitative" },
              color,
            },
          },
          {
            mark: { type: "line", point: true },
            encoding: {
              x: { field: "step", type: "quantitative" },
              y: { aggregate: "mean", field: "value", type: "quantitative", title: null, scale: { zero: false } },
              color,
            },
          },
        ],
      },
      resolve: { scale: { y: "independent" } },
    };
  }

  /** Each numeric varying key and top-1 on its own axis, rescaled to [0, 1]; one line per run. */
  function parallelSpec(data) {
    const keys = data.series.keys.filter((k) => data.runs.every((r) => typeof r.row[k] === "number"));
    const axes = [...keys, "top1"];
    const rows = data.runs.map((r) => ({ run_id: r.id, series: r.series, ...r.row }));
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values: rows },
      width: Math.max(200, 160 * axes.length),
      height: 220,
      transform: [
        { fold: axes, as: ["key", "raw"] },
        {
          joinaggregate: [
            { op: "min", field: "raw", as: "lo" },
            { op: "max", field: "raw", as: "hi" },
          ],
          groupby: ["key"],
        },
        { calculate: "datum.hi === datum.lo ? 0.5 : (datum.raw - datum.lo) / (datum.hi - datum.lo)", as: "scaled" },
      ],
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "key", type: "nominal", sort: axes, title: null },
        y: { field: "scaled", type: "quantitative", title: "scaled to each axis's range" },
        detail: { field: "run_id", type: "nominal" },
        color: { field: "series", type: "nominal", sort: data.series.order },
        tooltip: [{ field: "run_id" }, { field: "key" }, { field: "raw" }],
      },
    };
  }

  function effects(data) {
    const e = data.effects;
    return [
      el("h2", {}, `Which keys explain ${e.metric}`),
      el("p", { className: "muted" }, e.method),
      table(
        ["key", "η²", "groups"],
        e.keys.map((k) => el("tr", {}, el("td", {}, k.key), el("td", {}, cell(k.eta2)), el("td", {}, k.groups))),
      ),
    ];
  }

  window.nfx.views.compare = async (root) => {
    const ids = hashParams().ids || "";
    const input = el("input", { type: "text", id: "compare-ids", value: ids, placeholder: "run ids: 1,2,3" });
    const open = () => (location.hash = `#/compare?ids=${input.value.replace(/\s+/g, "")}`);
    input.addEventListener("keydown", (e) => e.key === "Enter" && open());
    root.append(
      el("h1", {}, "Compare"),
      el("div", { className: "bar" }, "runs", input, el("button", { onclick: open }, "Compare")),
    );
    if (!ids) {
      root.append(el("p", { className: "muted" }, "choose runs in the Runs view (or a group's compare link)"));
      return;
    }
    const data = await api("/api/compare", { ids });
    root.append(el("h2", {}, "Config"), diffTable(data), el("h2", {}, "Curves"), chart(curvesSpec(data)));
    if (data.series.keys.length) root.append(el("h2", {}, "Keys against top-1"), chart(parallelSpec(data)));
    root.append(...effects(data));
  };
})();
