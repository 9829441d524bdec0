// PNG without a browser: the SVG that vega renders, rasterized by resvg (a Rust SVG renderer with prebuilt binaries).
import { Resvg } from "@resvg/resvg-js";

/** Rasterizes an SVG at `scale` × its own size (2: sharp on high-density screens and in docs). */
export function svgToPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    // Vega writes font-family "sans-serif"; resvg maps generic families to these system fonts when present.
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
  });
  return resvg.render().asPng();
}
