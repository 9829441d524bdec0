export * from "./agc.js";
export * from "./agcOptimizer.js";
