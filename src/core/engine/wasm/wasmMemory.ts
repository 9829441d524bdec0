// The wasm backend's memory: its heap grows up to wasm32's 4 GiB and never shrinks, and running out of it shows up
// as unrelated errors (an emscripten abort, then TypeErrors; or tfjs viewing a tensor at address 0). initBackend
// starts the watch (watchWasmAbort); the heap's size goes on benchmark rows; the explanation replaces the
// meaningless error a worker or command would otherwise print.
import { tf } from "../tf.js";

let wasmAborted: string | null = null;

/**
 * Emscripten's module calls `onAbort` when it dies (in practice: malloc failing at wasm's 4 GB heap limit), after
 * which every tfjs call fails with an unrelated TypeError. Recording it lets callers say what happened.
 */
export function watchWasmAbort(): void {
  const module = (
    tf.backend() as unknown as {
      wasm?: { onAbort?: (what: unknown) => void; _malloc?: (bytes: number) => number; nfxMallocChecked?: boolean };
    }
  ).wasm;
  if (module) {
    module.onAbort = (what) => {
      wasmAborted = String(what ?? "");
    };
    // tfjs allocates every tensor with _malloc and never checks for 0: a failed allocation then writes the tensor
    // over the start of the heap (or throws "offset is out of bounds", depending on where the allocator stood).
    // Failing loudly instead keeps memory intact and lets wasmOutOfMemoryExplanation name the cause.
    const malloc = module._malloc;
    if (malloc !== undefined && module.nfxMallocChecked !== true) {
      module._malloc = (bytes: number): number => {
        const at = malloc(bytes);
        if (at === 0 && bytes > 0) throw new RangeError(`wasm allocation failed: ${bytes} bytes`);
        return at;
      };
      module.nfxMallocChecked = true;
    }
  }
}

/** The wasm heap's current size — its peak, since it grows and never shrinks — or null off wasm. */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== "wasm") return null;
  return (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.buffer.byteLength ?? null;
}

/** wasm32 addresses at most 4 GiB; tfjs's build grows its heap up to that. */
const WASM_HEAP_LIMIT = 4 * 2 ** 30;

/**
 * An explanation to replace the meaningless error that follows running out of wasm memory, or null when the
 * wasm heap is not the likely cause. Out of memory shows up as an emscripten abort (then TypeErrors), as malloc
 * returning 0 (then "offset is out of bounds" when tfjs views the new tensor), or with the heap at its limit.
 */
export function wasmOutOfMemoryExplanation(err?: unknown): string | null {
  const heap = wasmHeapBytes();
  if (heap === null) return null;
  const failedAlloc = err instanceof RangeError && /offset is out of bounds|allocation failed/i.test(err.message);
  if (wasmAborted === null && !failedAlloc && heap < 0.94 * WASM_HEAP_LIMIT) return null;
  return (
    `the wasm backend ran out of memory (heap at ${(heap / 2 ** 30).toFixed(2)} GiB; wasm's limit is 4 GiB): ` +
    "use a smaller train.micro_batch (or --micro), smaller images, or a native backend (nfx doctor)"
  );
}
