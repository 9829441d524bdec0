// Measured numbers as nfx prints them: a few significant digits, never JavaScript's shortest round-trip form (a
// loss of 2.3025850929940455 prints 2.303), never exponent notation for everyday magnitudes.

/**
 * `x` to `digits` significant digits: 2.3025850929940455 → "2.303", 0.000123456 → "0.0001235"; whole numbers from
 * 1000 up are rounded to integers (16384 stays "16384", not "1.638e+4"); NaN and ±Infinity as JavaScript writes them.
 */
export function significant(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 10 ** digits) return String(Math.round(x));
  return String(Number(x.toPrecision(digits)));
}

/** A loss as nfx prints it: four significant digits (see significant). */
export function formatLoss(x: number): string {
  return significant(x, 4);
}
