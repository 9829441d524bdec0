;; nfx's own wasm SIMD kernels, run on the tfjs wasm backend's heap (the memory is imported from it, so tensors
;; are read and written in place by their heap offsets). Assembled by `npm run build:simd` into
;; simdKernelsBinary.ts; simdKernels.ts loads them. Hand-written because tfjs's XNNPACK has no kernel for these and
;; composing them from XNNPACK's forward conv costs extra memory passes and badly shaped GEMMs (wasmConvGradients.ts).
;;
;; All pointers are byte offsets into the heap; tensors are float32, dense, NHWC / HWIO.
(module
  (import "env" "memory" (memory 1))

  ;; dW tile += Σ over `rows` rows of `wo` output pixels of x[pixel, c..c+3]ᵀ ⊗ dy[pixel, o..o+7].
  ;; The 4×8 tile lives in 8 v128 accumulators for the whole pixel loop: 6 loads (2 dy vectors, 4 broadcast x
  ;; values) feed 16 SIMD multiply/adds per pixel, and 4 + 2 + 8 + 1 registers fit x64's 16 xmm registers (a
  ;; bigger tile spills).
  ;;   xp   x at the tile's first pixel and channel c     xPix  bytes between horizontally adjacent x pixels (sw·Cin·4)
  ;;   dyp  dy at the first pixel and channel o           xRow  bytes between x rows of adjacent output rows (sh·Wp·Cin·4)
  ;;   dwp  dW[i, j, c, o]                                dyPix bytes between dy pixels (Cout·4) = dW row stride
  (func $filterGradTile (param $xp i32) (param $dyp i32) (param $dwp i32) (param $rows i32) (param $wo i32)
                        (param $xPix i32) (param $xRow i32) (param $dyPix i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $d0 v128) (local $d1 v128) (local $b v128)
    (local $xq i32) (local $xEnd i32) (local $w i32)
    (local.set $w (local.get $dwp))
    (local.set $a0 (v128.load (local.get $w)))
    (local.set $a1 (v128.load offset=16 (local.get $w)))
    (local.set $w (i32.add (local.get $w) (local.get $dyPix)))
    (local.set $a2 (v128.load (local.get $w)))
    (local.set $a3 (v128.load offset=16 (local.get $w)))
    (local.set $w (i32.add (local.get $w) (local.get $dyPix)))
    (local.set $a4 (v128.load (local.get $w)))
    (local.set $a5 (v128.load offset=16 (local.get $w)))
    (local.set $w (i32.add (local.get $w) (local.get $dyPix)))
    (local.set $a6 (v128.load (local.get $w)))
    (local.set $a7 (v128.load offset=16 (local.get $w)))
    (loop $row
      (local.set $xq (local.get $xp))
      (local.set $xEnd (i32.add (local.get $xp) (i32.mul (local.get $wo) (local.get $xPix))))
      (loop $pixel
        (local.set $d0 (v128.load (local.get $dyp)))
        (local.set $d1 (v128.load offset=16 (local.get $dyp)))
        (local.set $b (v128.load32_splat (local.get $xq)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $b) (local.get $d0))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $b) (local.get $d1))))
        (local.set $b (v128.load32_splat offset=4 (local.get $xq)))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $b) (local.get $d0))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $b) (local.get $d1))))
        (local.set $b (v128.load32_splat offset=8 (local.get $xq)))
        (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $b) (local.get $d0))))
        (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $b) (local.get $d1))))
        (local.set $b (v128.load32_splat offset=12 (local.get $xq)))
        (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $b) (local.get $d0))))
        (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $b) (local.get $d1))))
        (local.set $xq (i32.add (local.get $xq) (local.get $xPix)))
        (local.set $dyp (i32.add (local.get $dyp) (local.get $dyPix)))
        (br_if $pixel (i32.lt_u (local.get $xq) (local.get $xEnd))))
      (local.set $xp (i32.add (local.get $xp) (local.get $xRow)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br_if $row (local.get $rows)))
    (local.set $w (local.get $dwp))
    (v128.store (local.get $w) (local.get $a0))
    (v128.store offset=16 (local.get $w) (local.get $a1))
    (local.set $w (i32.add (local.get $w) (local.get $dyPix)))
    (v128.store (local.get $w) (local.get $a2))
    (v128.store offset=16 (local.get $w) (local.get $a3))
    (local.set $w (i32.add (local.get $w) (local.get $dyPix)))
    (v128.store (local.get $w) (local.get $a4))
    (v128.store offset=16 (local.get $w) (local.get $a5))
    (local.set $w (i32.add (local.get $w) (local.get $dyPix)))
    (v128.store (local.get $w) (local.get $a6))
    (v128.store offset=16 (local.get $w) (local.get $a7)))

  ;; Conv2D's filter gradient: dW[i,j,c,o] = Σ_{n,y,x} xp[n, y·sh+i, x·sw+j, c] · dy[n,y,x,o].
  ;; xp [N,Hp,Wp,Cin] is the input already padded (Hp ≥ (Ho−1)·sh + kh, likewise Wp), dy [N,Ho,Wo,Cout],
  ;; dW [kh,kw,Cin,Cout] is overwritten. Needs Cin % 4 = 0 and Cout % 8 = 0.
  ;; The pixels are taken `block` output rows at a time, and every tile of every tap is updated from one block
  ;; before the next: the block's dy and x rows stay in L1/L2 while dW (kh·kw·Cin·Cout floats) stays in L2.
  (func (export "conv2dFilterGrad")
        (param $x i32) (param $dy i32) (param $dw i32)
        (param $n i32) (param $hp i32) (param $wp i32) (param $cin i32)
        (param $ho i32) (param $wo i32) (param $cout i32)
        (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $block i32)
    (local $img i32) (local $y0 i32) (local $rows i32) (local $i i32) (local $j i32) (local $c i32) (local $o i32)
    (local $xLine i32) (local $xPix i32) (local $xRow i32) (local $dyPix i32)
    (local $xImg i32) (local $dyBlock i32) (local $xTap i32) (local $dwTap i32)
    (memory.fill (local.get $dw) (i32.const 0)
      (i32.shl (i32.mul (i32.mul (local.get $kh) (local.get $kw)) (i32.mul (local.get $cin) (local.get $cout)))
               (i32.const 2)))
    (local.set $xLine (i32.shl (i32.mul (local.get $wp) (local.get $cin)) (i32.const 2)))
    (local.set $xPix (i32.shl (i32.mul (local.get $sw) (local.get $cin)) (i32.const 2)))
    (local.set $xRow (i32.mul (local.get $sh) (local.get $xLine)))
    (local.set $dyPix (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $img (i32.const 0))
    (loop $images
      (local.set $xImg (i32.add (local.get $x) (i32.mul (i32.mul (local.get $img) (local.get $hp)) (local.get $xLine))))
      (local.set $y0 (i32.const 0))
      (loop $blocks
        ;; rows = min(block, Ho − y0)
        (local.set $rows (i32.sub (local.get $ho) (local.get $y0)))
        (if (i32.lt_u (local.get $block) (local.get $rows)) (then (local.set $rows (local.get $block))))
        (local.set $dyBlock (i32.add (local.get $dy)
          (i32.mul (i32.mul (i32.add (i32.mul (local.get $img) (local.get $ho)) (local.get $y0)) (local.get $wo))
                   (local.get $dyPix))))
        (local.set $i (i32.const 0))
        (loop $tapRows
          (local.set $j (i32.const 0))
          (loop $tapCols
            (local.set $xTap (i32.add (local.get $xImg)
              (i32.add (i32.mul (i32.add (i32.mul (local.get $y0) (local.get $sh)) (local.get $i)) (local.get $xLine))
                       (i32.shl (i32.mul (local.get $j) (local.get $cin)) (i32.const 2)))))
            (local.set $dwTap (i32.add (local.get $dw)
              (i32.mul (i32.mul (i32.add (i32.mul (local.get $i) (local.get $kw)) (local.get $j)) (local.get $cin))
                       (local.get $dyPix))))
            (local.set $c (i32.const 0))
            (loop $inChannels
              (local.set $o (i32.const 0))
              (loop $outChannels
                (call $filterGradTile
                  (i32.add (local.get $xTap) (i32.shl (local.get $c) (i32.const 2)))
                  (i32.add (local.get $dyBlock) (i32.shl (local.get $o) (i32.const 2)))
                  (i32.add (local.get $dwTap)
                    (i32.add (i32.mul (local.get $c) (local.get $dyPix)) (i32.shl (local.get $o) (i32.const 2))))
                  (local.get $rows) (local.get $wo) (local.get $xPix) (local.get $xRow) (local.get $dyPix))
                (local.set $o (i32.add (local.get $o) (i32.const 8)))
                (br_if $outChannels (i32.lt_u (local.get $o) (local.get $cout))))
              (local.set $c (i32.add (local.get $c) (i32.const 4)))
              (br_if $inChannels (i32.lt_u (local.get $c) (local.get $cin))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br_if $tapCols (i32.lt_u (local.get $j) (local.get $kw))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $tapRows (i32.lt_u (local.get $i) (local.get $kh))))
        (local.set $y0 (i32.add (local.get $y0) (local.get $block)))
        (br_if $blocks (i32.lt_u (local.get $y0) (local.get $ho))))
      (local.set $img (i32.add (local.get $img) (i32.const 1)))
      (br_if $images (i32.lt_u (local.get $img) (local.get $n)))))
)
