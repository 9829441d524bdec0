// The router: `#/VIEW/ARG?params` → window.nfx.views[VIEW](root, params, ARG). A view that polls registers what
// stops it with nfx.onLeave; leaving the view runs it.
(() => {
  const { views, el, errorLine, hashParams } = window.nfx;
  let leaving = [];

  window.nfx.onLeave = (fn) => leaving.push(fn);

  async function show() {
    for (const fn of leaving) fn();
    leaving = [];
    const [path] = location.hash.replace(/^#\/?/, "").split("?");
    const [name, ...rest] = (path || "runs").split("/");
    const view = views[name] || views.runs;
    for (const a of document.querySelectorAll("nav a"))
      a.classList.toggle("active", a.getAttribute("href") === `#/${name}`);
    const root = el("div", { id: `view-${name}` });
    document.getElementById("view").replaceChildren(root);
    try {
      await view(root, hashParams(), decodeURIComponent(rest.join("/")));
      root.dataset.loaded = "true";
      root.dataset.hash = location.hash;
    } catch (err) {
      root.append(errorLine(err));
      root.dataset.loaded = "error";
    }
  }

  window.addEventListener("hashchange", show);
  window.addEventListener("DOMContentLoaded", () => {
    if (window.NFX_SNAPSHOT) {
      document.getElementById("mode").textContent = "static snapshot (filters, compare and SQL need nfx ui)";
      for (const a of document.querySelectorAll("[data-live]")) a.remove();
    }
    show();
  });
})();
