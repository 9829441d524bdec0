// Grouped convolution: tfjs has no op for it (NFNets use group width 128). Two formulations, both built from
// differentiable tfjs ops so that every backend gets gradients for free:
//  - "split": one conv per group on a channel slice, outputs concatenated. Exact FLOPs; pays a split and a
//    concat of the activations and one conv launch per group.
//  - "blockDiagonal": one conv with the dense [kh,kw,Cin,Cout] filter that is zero off the diagonal blocks.
//    One kernel launch, but `groups`× the multiply-adds.
// Measured forward+backward (3×3, same; 2-core Xeon, tfjs 4.22): wasm [32,8,8,128] g=4: split 75 ms vs 161 ms;
// [32,8,8,384] g=12: 313 vs 1404 ms; [32,8,8,256] g=2 (cg=128): 318 vs 623 ms; only at 8 channels per group do
// they tie (61 vs 60 ms). cpu [8,8,8,128] g=4: 4.8 s vs 20.9 s. Split wins everywhere, so groupedConv2d uses it;
// blockDiagonal stays as the reference formulation for tests and `nfx bench`.
import { tf } from "../tf.js";

export type GroupedConvStrategy = "split" | "blockDiagonal";
export type ConvPad = "same" | "valid";

function check(x: tf.Tensor4D, w: tf.Tensor4D, groups: number): void {
  const cin = x.shape[3];
  const cout = w.shape[3];
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`grouped conv: groups must be a positive integer`);
  if (cin % groups !== 0 || cout % groups !== 0) {
    throw new Error(`grouped conv: channels ${cin}→${cout} not divisible by ${groups} groups`);
  }
  if (w.shape[2] * groups !== cin) {
    throw new Error(`grouped conv: filter has ${w.shape[2]} inputs per group, expected ${cin / groups}`);
  }
}

/** The dense [kh,kw,Cin,Cout] filter equal to the grouped one on its diagonal blocks and zero elsewhere. */
export function blockDiagonalFilter(w: tf.Tensor4D, groups: number): tf.Tensor4D {
  return tf.tidy(() => {
    const cg = w.shape[2];
    const blocks = tf.split(w, groups, 3).map((wg, g) =>
      tf.pad(wg, [
        [0, 0],
        [0, 0],
        [g * cg, (groups - 1 - g) * cg],
        [0, 0],
      ]),
    );
    return tf.concat(blocks, 3) as tf.Tensor4D;
  });
}

/** Grouped conv with an explicit strategy (for benchmarks and tests; models call groupedConv2d). */
export function groupedConv2dWith(
  strategy: GroupedConvStrategy,
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  strides: number,
  pad: ConvPad,
  groups: number,
): tf.Tensor4D {
  check(x, w, groups);
  if (groups === 1) return tf.conv2d(x, w, strides, pad);
  return tf.tidy(() => {
    if (strategy === "blockDiagonal") return tf.conv2d(x, blockDiagonalFilter(w, groups), strides, pad);
    const xs = tf.split(x, groups, 3) as tf.Tensor4D[];
    const ws = tf.split(w, groups, 3) as tf.Tensor4D[];
    return tf.concat(
      xs.map((xg, g) => tf.conv2d(xg, ws[g] as tf.Tensor4D, strides, pad)),
      3,
    );
  });
}

/**
 * Convolution with `groups` groups: x [N,H,W,Cin], w [kh,kw,Cin/groups,Cout] (HWIO, as TensorFlow's grouped conv).
 * Each group of Cin/groups input channels produces Cout/groups output channels.
 */
export function groupedConv2d(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  strides: number,
  pad: ConvPad,
  groups: number,
): tf.Tensor4D {
  return groupedConv2dWith("split", x, w, strides, pad, groups);
}
