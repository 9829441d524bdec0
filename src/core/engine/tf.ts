// The one TensorFlow.js namespace nfx uses. Everything outside src/core/engine imports `tf` from here, so that
// swapping or augmenting the backend (tfjs-node, tfjs-node-gpu, our wasm gradient kernels) happens in one place.
import * as tf from "@tensorflow/tfjs";

export { tf };
export type Tensor = tf.Tensor;
export type Tensor1D = tf.Tensor1D;
export type Tensor2D = tf.Tensor2D;
export type Tensor4D = tf.Tensor4D;
export type Variable = tf.Variable;
export type Rank = tf.Rank;
