// The Figures and Report views: the paper's figures and the claims report, decided from the store on demand by
// `nfx report`'s code; every point links to its run. Whose runs: every stored run, a stored sweep, a --where
// selection or a preset's sweeps (the same choices as `nfx report`).
(() => {
  const { api, el, chart, table, errorLine, hashParams } = window.nfx;

  function selection(view) {
    const p = hashParams();
    const sel = { preset: p.preset, sweep: p.sweep, where: p.where };
    const where = el("input", { type: "text", className: "filter", id: "report-where", value: p.where || "" });
    const preset = el("select", { id: "preset" }, el("option", { value: "" }, "stored runs"));
    for (const name of ["quick", "full"])
      preset.append(el("option", { value: name, selected: p.preset === name }, `preset ${name}`));
    const apply = () => {
      const q = new URLSearchParams(Object.entries({ where: where.value, preset: preset.value }).filter(([, v]) => v));
      location.hash = `#/${view}${q.toString() ? `?${q}` : ""}`;
    };
    const bar = el(
      "div",
      { className: "bar" },
      "whose runs",
      preset,
      "where",
      where,
      el("button", { onclick: apply }, "Apply"),
    );
    return { sel, bar };
  }

  /** The claims in the paper's order (the document `nfx report --json` gives), each with its runs' count. */
  function claimsTable(claims) {
    const rows = claims.map((c) => {
      const ids = (c.runs_used || []).flatMap((s) => s.run_ids);
      return el(
        "tr",
        {},
        el("td", {}, c.id),
        el("td", {}, c.figure),
        el("td", {}, c.title),
        el("td", { className: c.verdict.replaceAll(" ", "-") }, c.verdict),
        el(
          "td",
          {},
          ids.length ? `${ids.length} runs: ` : `${c.runs} runs`,
          ids.slice(0, 12).map((id) => el("a", { href: `#/run/${id}` }, `${id} `)),
          ids.length > 12 ? `… ${ids.length - 12} more` : "",
        ),
      );
    });
    return table(["claim", "figure", "says", "verdict", "runs"], rows);
  }

  window.nfx.views.figures = async (root) => {
    const { sel, bar } = selection("figures");
    root.append(el("h1", {}, "Figures"), bar);
    const { figures } = await api("/api/figures");
    for (const f of figures) {
      const box = el("section", { "data-figure": f.name }, el("h2", {}, `${f.name}: ${f.title}`));
      root.append(box);
      try {
        const { figure } = await api(`/api/figure/${f.name}`, sel);
        box.append(
          el("p", { className: "muted" }, `${figure.sweep}: ${figure.runs} of ${figure.expected} runs`),
          figure.spec ? chart(figure.spec) : el("p", { className: "muted" }, "nothing to draw from these runs"),
        );
      } catch (err) {
        box.append(errorLine(err));
      }
    }
  };

  window.nfx.views.report = async (root) => {
    const { sel, bar } = selection("report");
    root.append(el("h1", {}, "Report: the paper's claims"), bar);
    const report = await api("/api/report", sel);
    root.append(
      el(
        "p",
        { className: "muted" },
        `${report.selection || `preset ${report.preset}`}; generated ${report.generated_at}`,
      ),
      claimsTable(report.claims),
    );
    for (const f of report.figures) if (f.spec) root.append(el("h2", {}, f.title), chart(f.spec));
  };
})();
