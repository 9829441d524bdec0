// Small formatting helpers for terminal output.

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m}m${String(s).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export function formatPercent(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined ? "—" : `${(x * 100).toFixed(digits)}%`;
}

export function bar(fraction: number, width = 20): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `${"█".repeat(full)}${"░".repeat(width - full)}`;
}

/** A plain text table: columns padded to their widest cell. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "─".repeat(w))), ...rows.map(line)].join("\n");
}

/** Bytes as whole MiB. */
export function formatMiB(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** A bench result's memory: peak tensors (when profiled), the wasm heap (its peak) and the process's peak RSS. */
export function memoryLine(r: {
  peakTensorBytes: number | null;
  peakRssBytes: number;
  wasmHeapBytes: number | null;
}): string {
  const parts = [
    r.peakTensorBytes === null ? null : `${formatMiB(r.peakTensorBytes)} tensors`,
    r.wasmHeapBytes === null ? null : `${formatMiB(r.wasmHeapBytes)} wasm heap`,
    `${formatMiB(r.peakRssBytes)} RSS`,
  ];
  return parts.filter((p) => p !== null).join(", ");
}
