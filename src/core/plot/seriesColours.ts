// Colours of a figure's series: vega's default category scheme has 10 colours and repeats them from the 11th series
// on, so two series would read as one. Up to 10 series keep the default's tableau10; up to 20 take tableau20 (its
// light and dark pairs); past 20 no categorical scheme keeps them apart, and the subtitle says so (seriesNote).

/** The most series that get distinct colours. */
export const MAX_DISTINCT_SERIES = 20;

/** The colour scale for `n` series (vega-lite `scale`). */
export function seriesScale(n: number): { scheme: "tableau10" | "tableau20" } {
  return { scheme: n <= 10 ? "tableau10" : "tableau20" };
}

/** A subtitle line when `n` series are more than the colours that keep them apart; null otherwise. */
export function seriesNote(n: number): string | null {
  return n > MAX_DISTINCT_SERIES
    ? `${n} series: colours repeat past ${MAX_DISTINCT_SERIES} (hover a line for its series; narrow with --where)`
    : null;
}
