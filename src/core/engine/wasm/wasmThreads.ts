// SIMD and threads of the wasm backend, as recorded on every run.
//
// Why nfx runs XNNPACK single-threaded under Node (investigated with tfjs-backend-wasm 4.22, Node 20):
//  1. tfjs turns the threaded build off in Node on purpose: flag WASM_HAS_MULTITHREAD_SUPPORT returns false when
//     IS_NODE (tensorflow/tfjs#3830). Forcing the flag true selects tfjs-backend-wasm-threaded-simd.wasm.
//  2. Emscripten then starts its pthread pool with `new Worker(blobURL)`; Node's worker_threads cannot load blob:
//     URLs (ERR_WORKER_PATH). Writing the worker script and the main script to files and handing those paths to
//     the worker (patching URL.createObjectURL in both threads) gets all 8 pool workers loaded and the module
//     initialised — but XNNPACK's pthreadpool still reports 1 thread (get_threads_count() = 1 with the default,
//     with setThreadsCount(2), and after calling init_with_threads_count(2) again), PThread.pthreads stays empty
//     (no pthread is ever started), and a 32×32×32×64 3×3 conv took 134–157 ms against 105 ms single-threaded
//     SIMD on the same 2-core machine. (tfjs's C++ also sizes the default pool as logical cores / 2, which is 1
//     on a 2-core machine.)
// So threads are not a working option with the published 4.22 binaries; making them work would need a rebuilt
// wasm (PTHREAD_POOL_SIZE with Node-compatible worker loading), which is outside an npm-only install. nfx keeps
// the SIMD build and records threads = 1; parallelism comes from running sweep workers in separate processes.
// nfx's own conv kernels (simdKernels.wat) cannot split a conv across worker_threads either: they work in place on
// the single-threaded build's heap, a WebAssembly.Memory that is not shared (not a SharedArrayBuffer), so no other
// thread can see the tensors. Using the threaded build only for its shared memory would bring back the loading
// problems above.

import { tf } from "../tf.js";
import { type SimdKernelsBuild, simdKernelsBuild } from "./simdKernels.js";

export interface WasmFeatures {
  simd: boolean;
  threads: number;
  /** Which build of nfx's own SIMD kernels runs (simdKernels.ts): fused multiply-adds, plain SIMD, or none. */
  nfxKernels: SimdKernelsBuild;
}

/** SIMD support, XNNPACK thread count and nfx's kernel build of the initialised wasm backend. */
export async function wasmFeatures(): Promise<WasmFeatures> {
  const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
  const { getThreadsCount } = await import("@tensorflow/tfjs-backend-wasm");
  let threads = 1;
  try {
    threads = getThreadsCount();
  } catch {
    // The backend is not initialised yet: it will run on one thread (see above).
  }
  return { simd, threads, nfxKernels: simdKernelsBuild() };
}
