// The SQL view: one statement on the store through `nfx query`'s read-only path; the server refuses anything that
// could write (403) and says why.
(() => {
  const { api, el, cell, table, errorLine } = window.nfx;

  window.nfx.views.sql = async (root, params) => {
    const box = el("textarea", { id: "sql" });
    box.value = params.sql || "SELECT status, count(*) AS runs FROM runs GROUP BY status";
    const out = el("div", { id: "sql-out" });
    const run = async () => {
      out.replaceChildren();
      try {
        const res = await api("/api/query", { sql: box.value });
        out.append(
          table(
            res.columns,
            res.rows.map((r) =>
              el(
                "tr",
                {},
                res.columns.map((c) => el("td", {}, cell(r[c]))),
              ),
            ),
          ),
          el("p", { className: "muted" }, `${res.total} rows`),
        );
      } catch (err) {
        out.append(errorLine(err));
      }
    };
    root.append(
      el("h1", {}, "SQL (read-only)"),
      box,
      el("div", { className: "bar" }, el("button", { id: "run-sql", onclick: run }, "Run")),
      out,
    );
  };
})();
