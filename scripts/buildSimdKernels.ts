// Assembles src/core/engine/wasm/simdKernels.wat into simdKernelsBinary.ts (base64, plain and FMA variants), so that
// neither the library nor its users need an assembler at run time. `npm run build:simd`; a test checks the
// committed binaries are current.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assembleSimdKernels, fmaVariant, simdKernelsModuleText } from "./simdKernelsAssembler.js";

const watPath = fileURLToPath(new URL("../src/core/engine/wasm/simdKernels.wat", import.meta.url));
const outPath = fileURLToPath(new URL("../src/core/engine/wasm/simdKernelsBinary.ts", import.meta.url));
const wat = readFileSync(watPath, "utf8");
const plain = await assembleSimdKernels(wat);
const fma = await assembleSimdKernels(fmaVariant(wat));
if (Buffer.from(plain).equals(Buffer.from(fma))) throw new Error("the FMA variant has no fused multiply-add");
writeFileSync(outPath, simdKernelsModuleText(plain, fma));
console.log(`simdKernelsBinary.ts: ${plain.length} + ${fma.length} bytes of wasm from simdKernels.wat`);
