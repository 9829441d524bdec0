// The unit axes of a tfjs-layers model's weights, told from each weight's layer class and weight name: what withAgc
// uses when it is given the model. A kernel whose unit is not its last axis (a depthwise kernel's output channel
// spans two axes, a transposed conv's output channel is axis 2) is clipped per unit only if its layout is known,
// so a weight of a layer class not in the table is refused, not guessed (vectors and scalars excepted: one unit in
// any layout).
import { tf } from "../engine/tf.js";
import { AgcOptionsError } from "./inputs.js";
import { officialUnitAxes } from "./units.js";

/**
 * Unit axes per tfjs layer class and weight name (tfjs-layers layouts; a unit is an output channel / neuron):
 * Dense kernel [in,out] → [1]; Conv1D [k,in,out] → [2]; Conv2D [kh,kw,in,out] → [3]; Conv3D [kd,kh,kw,in,out]
 * → [4]; Conv2DTranspose [kh,kw,out,in] → [2]; Conv3DTranspose [kd,kh,kw,out,in] → [3]; DepthwiseConv2D and
 * SeparableConv2D depthwise_kernel [kh,kw,in,mult] → [2, 3] (output channel in·mult + m); SeparableConv2D
 * pointwise_kernel [1,1,in·mult,out] → [3]. Every rank ≤ 1 weight (biases, BatchNormalization's and
 * LayerNormalization's γ and β) is one unit, in any layer.
 */
export const TFJS_LAYER_UNIT_AXES: Readonly<Record<string, Readonly<Record<string, readonly number[]>>>> = {
  Dense: { kernel: [1] },
  Conv1D: { kernel: [2] },
  Conv2D: { kernel: [3] },
  Conv3D: { kernel: [4] },
  Conv2DTranspose: { kernel: [2] },
  Conv3DTranspose: { kernel: [3] },
  DepthwiseConv2D: { depthwise_kernel: [2, 3] },
  SeparableConv2D: { depthwise_kernel: [2, 3], pointwise_kernel: [3] },
};

/** A layer that holds layers (a LayersModel, Sequential or functional model nested as a layer). */
function sublayers(layer: tf.layers.Layer): tf.layers.Layer[] | null {
  const inner = (layer as { layers?: unknown }).layers;
  return Array.isArray(inner) ? (inner as tf.layers.Layer[]) : null;
}

/**
 * The unit axes of one layer weight: from TFJS_LAYER_UNIT_AXES, except that a weight that squeezes to ≤ 1
 * dimension is one unit as in the official rule ([1,C] dense, [1,1,1,C] conv), and any rank ≤ 1 weight is one unit.
 * @throws AgcOptionsError (option `model`) for a rank ≥ 2 weight of a class or name not in the table.
 */
function weightUnitAxes(layer: tf.layers.Layer, weight: tf.LayerVariable): number[] {
  const shape = weight.shape as number[];
  if (shape.length <= 1) return [];
  const cls = layer.getClassName();
  const kind = weight.originalName.slice(weight.originalName.lastIndexOf("/") + 1);
  const axes = TFJS_LAYER_UNIT_AXES[cls]?.[kind];
  if (!axes) {
    const known = Object.keys(TFJS_LAYER_UNIT_AXES).join(", ");
    throw new AgcOptionsError(
      "model",
      `withAgc: layer '${layer.name}' (${cls}) weight '${weight.name}' [${shape.join(",")}]: its unit axes are ` +
        `unknown (layers known: ${known}); give them in unitAxes, e.g. { "${weight.name}": [${shape.length - 1}] }`,
    );
  }
  return officialUnitAxes(shape)?.length === 0 ? [] : [...axes];
}

/**
 * The unit axes of every trainable weight of `model` (a tfjs LayersModel, or a list of layers; nested models are
 * walked), by variable name (the name its gradient carries in optimizer.applyGradients). Weights the layers have
 * not created yet (an unbuilt layer) are not in it.
 * @throws AgcOptionsError (option `model`) when `model` is neither a tfjs layer nor a list of them, or a rank ≥ 2
 * weight belongs to a layer class (or has a name) not in TFJS_LAYER_UNIT_AXES, naming the layer, class and weight.
 */
export function layerUnitAxes(model: tf.layers.Layer | readonly tf.layers.Layer[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const visit = (layer: unknown) => {
    if (!(layer instanceof tf.layers.Layer)) {
      throw new AgcOptionsError("model", "withAgc: model must be a tfjs LayersModel or a list of tfjs layers");
    }
    const inner = sublayers(layer);
    if (inner) {
      inner.forEach(visit);
      return;
    }
    for (const w of layer.trainableWeights) out.set(w.name, weightUnitAxes(layer, w));
  };
  if (Array.isArray(model)) model.forEach(visit);
  else visit(model);
  return out;
}
