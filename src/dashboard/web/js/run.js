// The Run view: one run's status, config (the keys that differ from the defaults first), summary, environment,
// per-step curves (every recorded metric and the evaluations, one panel each), checkpoints and artifacts.
(() => {
  const { api, postNotes, el, cell, statusMark, table, chart, errorLine } = window.nfx;

  /** Tags and the note: editable where the store can be written (not in a snapshot). */
  function notesSection(id, notes, writable) {
    const box = el("section", { id: "notes" });
    const draw = (n) => {
      const out = el("p", {});
      const tags = n.tags.map((t) =>
        el(
          "span",
          { className: "tag" },
          t,
          writable ? el("button", { title: `remove ${t}`, onclick: () => send({ remove: [t] }) }, "×") : null,
        ),
      );
      const tagInput = el("input", { type: "text", id: "tag-input", placeholder: "add a tag" });
      tagInput.addEventListener(
        "keydown",
        (e) => e.key === "Enter" && tagInput.value && send({ add: [tagInput.value] }),
      );
      const note = el("textarea", { id: "note-input", disabled: !writable });
      note.value = n.note || "";
      box.replaceChildren(
        el("h2", {}, "Notes and tags"),
        el("div", { className: "bar", id: "tags" }, tags.length ? tags : el("span", { className: "muted" }, "no tags")),
        writable ? el("div", { className: "bar" }, tagInput) : null,
        note,
        writable
          ? el(
              "div",
              { className: "bar" },
              el("button", { id: "save-note", onclick: () => send({ note: note.value }) }, "Save note"),
            )
          : el("p", { className: "muted" }, "read-only here: notes need a writable store and nfx ui"),
        out,
      );
    };
    const send = async (change) => {
      try {
        draw(await postNotes(id, change));
      } catch (err) {
        box.append(errorLine(err));
      }
    };
    draw(notes);
    return box;
  }

  function kvTable(entries) {
    return table(
      ["key", "value"],
      entries.map(([k, v]) => el("tr", {}, el("td", {}, k), el("td", {}, cell(v)))),
    );
  }

  function configSection(config) {
    const rows = [
      ...config.differs.map((c) =>
        el(
          "tr",
          { className: "differs" },
          el("td", {}, c.key),
          el("td", {}, cell(c.value)),
          el("td", {}, c.default === undefined ? "(model override)" : cell(c.default)),
        ),
      ),
      ...config.defaults.map((c) =>
        el("tr", {}, el("td", {}, c.key), el("td", {}, cell(c.value)), el("td", {}, cell(c.default))),
      ),
    ];
    return [
      el("h2", {}, "Config"),
      el("p", { className: "muted" }, `${config.differs.length} keys differ from the defaults (highlighted, first)`),
      table(["key", "value", "default"], rows),
    ];
  }

  /** One small panel per metric, steps on x; each panel its own y scale. */
  function curvesSpec(points) {
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values: points },
      facet: { field: "metric", type: "nominal", title: null },
      columns: 4,
      spec: {
        width: 220,
        height: 120,
        mark: { type: "line", point: points.length < 400 },
        encoding: {
          x: { field: "step", type: "quantitative" },
          y: { field: "value", type: "quantitative", scale: { zero: false }, title: null },
        },
      },
      resolve: { scale: { y: "independent" } },
    };
  }

  function records(run) {
    const out = [];
    if (run.checkpoints.length) {
      out.push(
        el("h2", {}, "Checkpoints"),
        table(
          ["step", "kind", "path", "bytes", "sha256"],
          run.checkpoints.map((c) =>
            el(
              "tr",
              {},
              [c.step, c.final ? "final" : "resume", c.path, cell(c.bytes), (c.sha256 || "—").slice(0, 16)].map((v) =>
                el("td", {}, v),
              ),
            ),
          ),
        ),
      );
    }
    // Checkpoints are artifacts too (kind "checkpoint"): listed once, above, as `nfx runs show` does.
    const others = run.artifacts.filter((a) => a.kind !== "checkpoint");
    if (others.length) {
      out.push(
        el("h2", {}, "Artifacts"),
        table(
          ["kind", "path", "bytes", "sha256"],
          others.map((a) =>
            el(
              "tr",
              {},
              [a.kind, a.path, cell(a.bytes), (a.sha256 || "—").slice(0, 16)].map((v) => el("td", {}, v)),
            ),
          ),
        ),
      );
    }
    return out;
  }

  window.nfx.views.run = async (root, _params, id) => {
    const { run, config, curves, notes, writable } = await api(`/api/runs/${encodeURIComponent(id)}`);
    root.append(
      el("h1", {}, `Run ${run.id} `, el("code", {}, run.config_hash.slice(0, 12)), " ", statusMark(run.status)),
      el(
        "p",
        { className: "muted" },
        `steps ${run.steps_done}/${run.steps_total ?? "?"}, attempts ${run.attempts}, created ${run.created_at}` +
          (run.duration_s !== null ? `, ${run.duration_s.toFixed(1)} s` : "") +
          (run.error ? ` — ${run.error}` : ""),
      ),
      notesSection(run.id, notes, writable && !window.NFX_SNAPSHOT),
      el("h2", {}, "Curves"),
      curves.length ? chart(curvesSpec(curves)) : el("p", { className: "muted" }, "no per-step values stored"),
      ...configSection(config),
    );
    if (run.summary) root.append(el("h2", {}, "Summary"), kvTable(Object.entries(run.summary)));
    if (run.environment) {
      const { extra, ...env } = run.environment;
      root.append(el("h2", {}, "Environment"), kvTable(Object.entries({ ...env, ...extra })));
    }
    root.append(...records(run));
  };
})();
