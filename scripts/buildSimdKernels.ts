// Assembles src/core/engine/simdKernels.wat into simdKernelsBinary.ts (base64), so that neither the library nor
// its users need an assembler at run time. `npm run build:simd`; a test checks the committed binary is current.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assembleSimdKernels, simdKernelsModuleText } from "./simdKernelsAssembler.js";

const watPath = fileURLToPath(new URL("../src/core/engine/simdKernels.wat", import.meta.url));
const outPath = fileURLToPath(new URL("../src/core/engine/simdKernelsBinary.ts", import.meta.url));
const bytes = await assembleSimdKernels(readFileSync(watPath, "utf8"));
writeFileSync(outPath, simdKernelsModuleText(bytes));
console.log(`simdKernelsBinary.ts: ${bytes.length} bytes of wasm from simdKernels.wat`);
