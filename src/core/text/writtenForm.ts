// How nfx writes a config value as text, in one form everywhere: tables, CSV, legends, labels and the `--where`
// language all show a list key such as `agc.exclude` as its items joined by "," in stored order (the config stores
// role lists sorted and de-duplicated), and an empty list as "none" (nothing excluded).

/** The text an empty list is written as. */
export const EMPTY_LIST = "none";

/** A list value as text: `[classifier_weight, stem_conv]` → "classifier_weight,stem_conv"; `[]` → "none". */
export function writeList(items: readonly unknown[]): string {
  return items.length ? items.map((v) => (v === null ? "null" : String(v))).join(",") : EMPTY_LIST;
}

/**
 * A user's text for a list, in the written form: items split on ",", "+" or ";" (the forms nfx printed before),
 * brackets and spaces dropped; sorted and de-duplicated when the key is a set (a role list). "none" and "" and "[]"
 * are the empty list.
 */
export function normalizeListText(text: string, isSet: boolean): string {
  const inner = text.trim().replace(/^\[|\]$/g, "");
  const items = inner
    .split(/[,+;]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0 || (items.length === 1 && items[0] === EMPTY_LIST)) return EMPTY_LIST;
  return (isSet ? [...new Set(items)].sort() : items).join(",");
}

/** Any config or summary value as one line of text; null and undefined are `nullText`. */
export function writeValue(v: unknown, nullText = "none"): string {
  if (v === null || v === undefined) return nullText;
  if (Array.isArray(v)) return writeList(v);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}
