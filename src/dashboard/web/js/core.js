// What every view uses: the API (the server's, or an exported snapshot's answers), building elements, formatting
// cells and drawing Vega-Lite charts. Classic scripts sharing one global, `nfx`, so that an exported snapshot opens
// from a file:// URL, where browsers refuse module scripts.
window.nfx = (() => {
  const views = {};

  /** The key of a request: path and its non-empty parameters, sorted (the export writes answers under it). */
  function requestKey(path, params) {
    const entries = Object.entries(params || {})
      .filter(([, v]) => v !== undefined && v !== null && String(v) !== "")
      .map(([k, v]) => [k, String(v)])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const query = new URLSearchParams(entries).toString();
    return query ? `${path}?${query}` : path;
  }

  /** GET an API path; resolves with its JSON, rejects with an Error carrying the server's message. */
  async function api(path, params) {
    const key = requestKey(path, params);
    if (window.NFX_SNAPSHOT) {
      if (key in window.NFX_SNAPSHOT) return window.NFX_SNAPSHOT[key];
      throw new Error(`not in this snapshot (${key}); open the store with nfx ui to see it`);
    }
    const res = await fetch(key.slice(1), { headers: { Accept: "application/json" } });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error || `${res.status} ${res.statusText}`);
    return body;
  }

  /** POST a run's notes change ({add, remove, note}); the header marks it as the page's own write. */
  async function postNotes(id, change) {
    const res = await fetch(`api/runs/${encodeURIComponent(id)}/notes`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Nfx-Write": "1" },
      body: JSON.stringify(change),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error || `${res.status} ${res.statusText}`);
    return body;
  }

  /** An element with attributes (on* as listeners) and children (strings become text). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "className") node.className = v;
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
    return node;
  }

  /** A value as a table cell shows it. */
  function cell(v) {
    if (v === null || v === undefined) return "—";
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
    if (Array.isArray(v)) return v.length ? v.join(",") : "none";
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  }

  /** A run field's value in its unit, as the CLI's tables print it: a top-1 as a percentage (33.60%). */
  function fieldCell(name, v) {
    if (typeof v === "number" && /(^|[._])top1$/.test(name)) return `${(v * 100).toFixed(2)}%`;
    return cell(v);
  }

  function statusMark(status) {
    return el("span", { className: `status-${status}` }, status);
  }

  function table(headers, rows) {
    return el(
      "table",
      {},
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          headers.map((h) => (h instanceof Node ? h : el("th", {}, h))),
        ),
      ),
      el("tbody", {}, rows),
    );
  }

  /** Draws a Vega-Lite spec into a new element; a click on a mark with a run_id opens that run. */
  function chart(spec) {
    const node = el("div", { className: "chart" });
    window
      .vegaEmbed(node, spec, {
        actions: { export: true, source: false, compiled: false, editor: false },
        renderer: "svg",
      })
      .then((result) => {
        result.view.addEventListener("click", (_event, item) => {
          const id = item?.datum?.run_id ?? item?.datum?.run;
          if (id !== undefined) location.hash = `#/run/${id}`;
        });
        node.dataset.drawn = "true";
      })
      .catch((e) => {
        node.textContent = `chart failed: ${e.message}`;
        node.className = "error";
      });
    return node;
  }

  function errorLine(err) {
    return el("p", { className: "error" }, err.message || String(err));
  }

  /** The hash route's parameters (#/compare?ids=1,2 → {ids: "1,2"}). */
  function hashParams() {
    const q = location.hash.split("?")[1] || "";
    return Object.fromEntries(new URLSearchParams(q));
  }

  return { views, api, postNotes, requestKey, el, cell, fieldCell, statusMark, table, chart, errorLine, hashParams };
})();
