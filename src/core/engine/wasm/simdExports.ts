// The exports of nfx's wasm SIMD kernel module (simdKernels.wat) as JavaScript sees them: every pointer is a byte
// offset into the tfjs wasm backend's heap, every count an i32. One block per family of kernels.

/** A conv's geometry as the kernels take it: N, padded Hp, Wp, Cin, output Ho, Wo, Cout, kh, kw, strides sh, sw. */
export type ConvGeometry = [number, number, number, number, number, number, number, number, number, number, number];

/** conv2d(xp, packed filter, y, ...geometry, block) and conv2dFilterGradRuns(xp, dy, dW, ...geometry, block). */
type ConvKernel = (a: number, b: number, out: number, ...geometryAndBlock: [...ConvGeometry, number]) => void;

export interface SimdExports {
  conv2d: ConvKernel;
  packFilter(w: number, packed: number, rows: number, cout: number): void;
  padNHWC(
    x: number,
    out: number,
    n: number,
    h: number,
    w: number,
    c: number,
    top: number,
    bottom: number,
    left: number,
    right: number,
    cOut: number,
  ): void;
  columnSum(x: number, out: number, rows: number, cols: number, scale: number): void;
  transpose2d(x: number, out: number, batch: number, rows: number, cols: number): void;
  geluForward(x: number, y: number, n: number): void;
  geluBackward(x: number, dy: number, dx: number, n: number): void;
  // convgrad: strided-output conv and the filter gradient over receptive-field runs
  conv2dScatter(
    xp: number,
    packed: number,
    y: number,
    ...geometryBlockSteps: [...ConvGeometry, number, number, number, number]
  ): void;
  conv2dFilterGradRuns: ConvKernel;
  conv1x1(x: number, packed: number, y: number, pixels: number, cin: number, cout: number, block: number): void;
  // ---- bnfast: training-mode batch normalisation (wasmBatchNorm.ts) ----
  bnSum(x: number, acc: number, l4: number, periods: number): void;
  bnSumSq(x: number, m: number, acc: number, l4: number, periods: number): void;
  bnGradSums(dy: number, x: number, m: number, sDy: number, sDyX: number, l4: number, periods: number): void;
  bnNormalize(x: number, m: number, a: number, b: number, y: number, l4: number, periods: number): void;
  bnInputGrad(
    dy: number,
    x: number,
    m: number,
    a: number,
    bx: number,
    c: number,
    dx: number,
    l4: number,
    periods: number,
  ): void;
  // ---- nfblock: weight standardisation and scaled ReLU (ops/weightStandardization.ts, ops/scaledRelu.ts) ----
  wsColumnSums(dy: number, x: number, mean: number, sums: number, rows: number, cols: number): void;
  wsApply(dy: number, x: number, mean: number, k: number, out: number, rows: number, cols: number): void;
  biasReluScale(z: number, b: number, y: number, rows: number, cols: number, s: number, hasBias: number): void;
  reluScaleGrad(
    y: number,
    dy: number,
    dz: number,
    db: number,
    rows: number,
    cols: number,
    s: number,
    hasBias: number,
  ): void;
  residualMerge(
    h: number,
    f: number,
    s: number,
    sb: number,
    out: number,
    n: number,
    rows: number,
    cols: number,
    hasBias: number,
  ): void;
  residualMergeGrad(dy: number, h: number, f: number, dh: number, dots: number, n: number, per: number): void;
  zeroDotSum(x: number, n: number): number;
  biasAdd(z: number, b: number, y: number, rows: number, cols: number): void;
  // ---- end nfblock ----
  // agcfast: AGC's column passes and the SGD update (ops/fusedAgc.ts, ops/fusedOptim.ts).
  agcColumnMax(x: number, rows: number, cols: number, out: number): void;
  agcColumnSumSq(x: number, rows: number, cols: number, scale: number, out: number): void;
  agcColumnScale(g: number, out: number, rows: number, cols: number, div: number, mul: number, keep: number): void;
  sgdUpdate(
    w: number,
    g: number,
    v: number,
    wOut: number,
    vOut: number,
    n: number,
    wd: number,
    mu: number,
    lr: number,
    nesterov: number,
  ): void;
  larsUpdate(
    w: number,
    g: number,
    v: number,
    wOut: number,
    vOut: number,
    n: number,
    wd: number,
    mu: number,
    rate: number,
  ): void;
  adamUpdate(
    w: number,
    g: number,
    m: number,
    v: number,
    wOut: number,
    mOut: number,
    vOut: number,
    n: number,
    stage: number,
    ...scalars: [number, number, number, number, number, number, number, number, number]
  ): void;
}
