// Served by `nfx ui`: no snapshot, every page asks the server. `nfx ui --export` replaces this file with the
// answers of every page it exports (window.NFX_SNAPSHOT: request key → JSON answer).
window.NFX_SNAPSHOT = null;
