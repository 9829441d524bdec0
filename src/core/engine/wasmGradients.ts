// Gradient kernels that tfjs's wasm backend lacks. Filled in by the engine work (issue 3).
let registered = false;

/** Registers nfx's gradient kernels for the wasm backend (idempotent). */
export function registerWasmGradients(): void {
  if (registered) return;
  registered = true;
}
