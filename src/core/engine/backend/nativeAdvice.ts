// What to tell a user whose tfjs-node / tfjs-node-gpu does not load. The traps are specific to tfjs 4.22, the
// last release (October 2024): its native addon links libtensorflow 2.9.1, built for CUDA 11.2 and cuDNN 8.1, and
// its npm install script downloads that library from storage.googleapis.com.

export interface NativeAdvice {
  /** Short name of the problem, e.g. `cuda-version`. */
  problem: string;
  /** What to do, one step a line. */
  steps: string[];
}

/** The exact steps to install the GPU backend on a Linux machine with an NVIDIA GPU. */
export const GPU_INSTALL_STEPS: readonly string[] = [
  "tfjs-node-gpu 4.22 needs CUDA 11.2 and cuDNN 8.1 exactly (libtensorflow 2.9.1); a CUDA 12 system alone fails with 'libcudart.so.11.0: cannot open shared object file'.",
  "Install the CUDA 11 runtime next to CUDA 12 without touching the driver, e.g. with pip: pip install nvidia-cuda-runtime-cu11==11.8.* nvidia-cudnn-cu11==8.9.* nvidia-cublas-cu11 nvidia-cufft-cu11 nvidia-curand-cu11 nvidia-cusolver-cu11 nvidia-cusparse-cu11",
  'Point the loader at them: export LD_LIBRARY_PATH=$(python -c \'import nvidia,os;d=os.path.dirname(nvidia.__path__[0]);print(":".join(os.path.join(d,"nvidia",p,"lib") for p in ["cuda_runtime","cudnn","cublas","cufft","curand","cusolver","cusparse"]))\'):$LD_LIBRARY_PATH',
  "With internet access (the install script downloads libtensorflow-gpu 2.9.1 from storage.googleapis.com and fails offline): npm install @tensorflow/tfjs-node-gpu@4.22.0",
  "Offline: serve libtensorflow-gpu-linux-x86_64-2.9.1.tar.gz from a local web server laid out as tensorflow/libtensorflow/<file> and set TFJS_NODE_CDN_STORAGE=http://that-server/ before npm install (it replaces https://storage.googleapis.com/); or install with --ignore-scripts, unpack the tarball into node_modules/@tensorflow/tfjs-node-gpu/deps and run npm run build-addon-from-source inside that folder (builds tfjs_binding.node with node-gyp and a C++ compiler; npm rebuild would re-run the download).",
  "Check: npx nfx doctor --backend tensorflow-gpu",
  "Hopper GPUs (H100/H200, compute capability 9.0): TensorFlow 2.9 has no sm_90 kernels and JIT-compiles them from PTX on first use, which can take many minutes; keep the result with export CUDA_CACHE_MAXSIZE=4294967296 so it happens once.",
];

/** The CPU flavour: same libtensorflow download, no CUDA. */
export const CPU_INSTALL_STEPS: readonly string[] = [
  "Without the internet: npx nfx native install (libtensorflow from the tensorflow-cpu wheel that pip fetches from its configured index, or --wheel FILE; the addon is compiled here with g++ and make; ≈1 min, ≈1.1 GB in nfx's cache).",
  "With internet access: npm install @tensorflow/tfjs-node@4.22.0 (its install script downloads libtensorflow 2.9.1 from storage.googleapis.com and fails offline).",
  "Check: npx nfx doctor --backend tensorflow",
];

/** Matches the error text of a failed tfjs-node(-gpu) load to the trap behind it. */
export function adviseOnLoadError(pkg: string, message: string): NativeAdvice {
  const gpu = pkg.endsWith("-gpu");
  if (/libcudart\.so\.11|libcublas\.so\.11|libcufft\.so\.10|libcusolver\.so\.11|libcusparse\.so\.11/.test(message)) {
    return {
      problem: "cuda-version",
      steps: [
        "tfjs-node-gpu 4.22 is linked against CUDA 11.2 (libtensorflow 2.9.1); this system has no CUDA 11 runtime (CUDA 12 is not compatible).",
        ...GPU_INSTALL_STEPS.slice(1, 3),
      ],
    };
  }
  if (/libcudnn\.so\.8|libcudnn/.test(message)) {
    return {
      problem: "cudnn-version",
      steps: ["tfjs-node-gpu 4.22 needs cuDNN 8 (built against 8.1).", ...GPU_INSTALL_STEPS.slice(1, 3)],
    };
  }
  if (/tfjs_binding\.node|libtensorflow\.so|libtensorflow_framework/.test(message)) {
    return {
      problem: "native-addon-missing",
      steps: [
        `${pkg} is installed but its native addon (tfjs_binding.node) is missing: its install script downloads libtensorflow 2.9.1 and the addon from storage.googleapis.com, which fails offline (or it was skipped with --ignore-scripts).`,
        ...(gpu ? GPU_INSTALL_STEPS.slice(3, 5) : CPU_INSTALL_STEPS.slice(0, 2)),
      ],
    };
  }
  if (/Cannot find (module|package)|ERR_MODULE_NOT_FOUND/.test(message)) {
    return { problem: "not-installed", steps: [...(gpu ? GPU_INSTALL_STEPS : CPU_INSTALL_STEPS)] };
  }
  return { problem: "load-failed", steps: [`${pkg} failed to load: ${message}`] };
}

/** A GPU that TensorFlow 2.9 has no compiled kernels for: first use JIT-compiles PTX for many minutes. */
export function isHopper(deviceName: string): boolean {
  return /\b(H100|H200|GH200|H800|H20)\b/i.test(deviceName);
}
