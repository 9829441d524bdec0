// The Runs view: every run in a paged table, filtered with the `nfx runs --where` language (the server compiles
// it: the same code as the CLI), sorted by a click on a column, columns chosen from every known field; or grouped,
// with mean ± 95% CI and n over seeds as `nfx runs --group-by` computes them. Its state lives in the URL's hash.
(() => {
  const { api, el, cell, fieldCell, statusMark, table, errorLine } = window.nfx;
  const PAGE = 50;

  function go(state) {
    const q = new URLSearchParams(Object.entries(state).filter(([, v]) => v !== undefined && v !== "")).toString();
    location.hash = `#/runs${q ? `?${q}` : ""}`;
  }

  function controls(state, fieldsInfo, snapshot) {
    const where = el("input", { type: "text", className: "filter", id: "where", value: state.where || "" });
    where.placeholder = "agc.lambda <= 0.04 and status = 'completed'";
    const by = el("input", {
      type: "text",
      id: "group-by",
      value: state.by || "",
      placeholder: "group by: agc.lambda",
    });
    const status = el("select", { id: "status" }, el("option", { value: "" }, "any status"));
    for (const s of fieldsInfo.statuses) status.append(el("option", { value: s, selected: s === state.status }, s));
    const apply = () => go({ ...state, where: where.value, by: by.value, status: status.value, offset: "" });
    where.addEventListener("keydown", (e) => e.key === "Enter" && apply());
    by.addEventListener("keydown", (e) => e.key === "Enter" && apply());
    const chooser = columnChooser(state, fieldsInfo);
    const bar = el(
      "div",
      { className: "bar" },
      "where",
      where,
      status,
      by,
      el("button", { id: "apply", onclick: apply, disabled: snapshot }, "Apply"),
      el("button", { onclick: () => chooser.toggleAttribute("hidden") }, "Columns…"),
    );
    return [bar, chooser];
  }

  function columnChooser(state, fieldsInfo) {
    const chosen = new Set((state.columns || fieldsInfo.defaults.join(",")).split(","));
    const boxes = fieldsInfo.fields.map((f) => {
      const box = el("input", { type: "checkbox", value: f, checked: chosen.has(f) });
      box.addEventListener("change", () => {
        if (box.checked) chosen.add(f);
        else chosen.delete(f);
        go({ ...state, columns: [...chosen].join(",") });
      });
      return el("label", {}, box, f);
    });
    return el("div", { className: "columns", id: "column-chooser", hidden: true }, boxes);
  }

  function sortHeader(state, column) {
    const current = state.sort || "";
    const next = current === column ? `-${column}` : column;
    const mark = current === column ? " ▲" : current === `-${column}` ? " ▼" : "";
    return el("th", { className: "sortable", onclick: () => go({ ...state, sort: next, offset: "" }) }, column + mark);
  }

  function runsTable(state, page) {
    const chosen = new Set();
    const rows = page.rows.map((r) => {
      const box = el("input", { type: "checkbox", value: r.id });
      box.addEventListener("change", () => (box.checked ? chosen.add(r.id) : chosen.delete(r.id)));
      return el(
        "tr",
        { "data-run": r.id },
        el("td", {}, box),
        el("td", {}, el("a", { href: `#/run/${r.id}` }, r.id)),
        el("td", {}, statusMark(r.status)),
        el(
          "td",
          {},
          r.tags.map((t) => el("span", { className: "tag" }, t)),
        ),
        page.columns.map((c) => el("td", {}, fieldCell(c, r.values[c]))),
      );
    });
    const offset = page.offset;
    const pager = el(
      "div",
      { className: "bar" },
      el("span", { id: "count" }, `${page.total} runs; ${offset + 1}–${offset + page.rows.length}`),
      el(
        "button",
        { disabled: offset === 0, onclick: () => go({ ...state, offset: Math.max(0, offset - PAGE) }) },
        "◀",
      ),
      el(
        "button",
        { disabled: offset + PAGE >= page.total, onclick: () => go({ ...state, offset: offset + PAGE }) },
        "▶",
      ),
      el(
        "button",
        {
          id: "compare",
          onclick: () => {
            if (chosen.size) location.hash = `#/compare?ids=${[...chosen].join(",")}`;
          },
        },
        "Compare selected",
      ),
    );
    const headers = [el("th", {}, ""), sortHeader(state, "id"), sortHeader(state, "status"), el("th", {}, "tags")];
    headers.push(...page.columns.map((c) => sortHeader(state, c)));
    return [pager, table(headers, rows)];
  }

  function meanCi(name, m) {
    if (!m || m.mean === null) return "—";
    return `${fieldCell(name, m.mean)}${m.ci95 === null ? "" : ` ± ${fieldCell(name, m.ci95)}`} (n=${m.n})`;
  }

  function groupsTable(g) {
    const keys = [...g.by, ...g.also];
    const rows = g.groups.map((grp) =>
      el(
        "tr",
        {},
        keys.map((k) => el("td", {}, cell(grp.key[k]))),
        el("td", {}, grp.runs),
        el(
          "td",
          {},
          Object.entries(grp.statuses).map(([s, n]) => el("span", {}, `${n} `, statusMark(s), " ")),
        ),
        g.metrics.map((m) => el("td", {}, meanCi(m, grp.metrics[m]))),
        el("td", {}, el("a", { href: `#/compare?ids=${grp.ids.join(",")}` }, "compare")),
      ),
    );
    const note = g.also.length
      ? el("p", { className: "muted" }, `also grouped by ${g.also.join(", ")}: runs differed in it; only seeds pool`)
      : null;
    const inert = g.note ? el("p", { className: "muted" }, g.note) : null;
    const headers = [...keys, "runs", "statuses", ...g.metrics.map((m) => `${m} (mean ± 95% CI)`), ""];
    return [note, inert, table(headers, rows)];
  }

  window.nfx.views.runs = async (root, params) => {
    const snapshot = Boolean(window.NFX_SNAPSHOT);
    const state = snapshot ? { offset: params.offset } : params;
    const fieldsInfo = await api("/api/fields");
    root.append(el("h1", {}, "Runs"), ...controls(state, fieldsInfo, snapshot));
    const out = el("div", { id: "runs-out" });
    root.append(out);
    try {
      if (state.by) {
        const g = await api("/api/groups", { by: state.by, where: state.where, status: state.status });
        out.append(...groupsTable(g));
      } else {
        const page = await api("/api/runs-page", {
          where: state.where,
          status: state.status,
          sort: state.sort,
          columns: state.columns,
          offset: state.offset || 0,
          limit: PAGE,
        });
        out.append(...runsTable(state, page));
      }
    } catch (err) {
      out.append(errorLine(err));
    }
  };
})();
