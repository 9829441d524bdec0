export * from "./agc.js";
export * from "./agcOptimizer.js";
export * from "./roles.js";
export * from "./tfjsLayers.js";
