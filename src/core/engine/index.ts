export * from "./backend.js";
export { groupedConv2d } from "./groupedConv.js";
export { tf } from "./tf.js";
