// Counts in messages: "1 run", "2 runs", "0 runs".

/**
 * `n` and the noun, singular for exactly 1 and plural otherwise: count(1, "run") = "1 run", count(3, "step") =
 * "3 steps", count(2, "is", "are") = "2 are". `plural` defaults to the noun + "s".
 */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
