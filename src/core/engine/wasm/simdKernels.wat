;; nfx's own wasm SIMD kernels, run on the tfjs wasm backend's heap (the memory is imported from it, so tensors
;; are read and written in place by their heap offsets). Assembled by `npm run build:simd` into
;; simdKernelsBinary.ts, twice: as written, and with every accumulation (f32x4.add (local.get $aN) (f32x4.mul X Y))
;; turned into a fused multiply-add (scripts/simdKernelsAssembler.ts); simdKernels.ts loads one of them.
;; Hand-written because tfjs's XNNPACK has no filter-gradient kernel (composing one from its forward conv costs
;; extra memory passes and badly shaped GEMMs, wasmConvGradients.ts), and these tiles also beat its forward conv
;; here; the helpers replace tfjs kernels that are per-element loops (PadV2, Transpose, Sum/Mean over leading axes).
;;
;; All pointers are byte offsets into the heap; tensors are float32 (transpose2d: any 32-bit type), dense,
;; NHWC / HWIO.
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

  ;; Conv2D forward, one tile: 4 output pixels × 8 output channels in 8 v128 accumulators, reduced over every tap
  ;; and input channel. Per input value: 2 loads of packed filter, 4 broadcast x values, 16 SIMD multiply/adds.
  ;; In NHWC a receptive field's row (kw taps × Cin channels) is one contiguous run of x, so the inner loop runs
  ;; over kw·Cin values at once (a 1-channel stem would otherwise loop 1 value per tap).
  ;;   p0..p3   x at each pixel's first tap (top-left of its receptive field), channel 0
  ;;   wq       the packed filter of this tile's 8 output channels: [kh][kw][Cin][8]
  ;;   runBytes kw·Cin·4, one receptive-field row        xLine  bytes between rows of x
  ;;   y0..y3   where each pixel's 8 outputs go
  (func $convTile (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32)
                  (param $wq i32) (param $kh i32) (param $runBytes i32) (param $xLine i32)
                  (param $y0 i32) (param $y1 i32) (param $y2 i32) (param $y3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $w0 v128) (local $w1 v128) (local $b v128)
    (local $i i32) (local $off i32) (local $end i32)
    (loop $tapRows
      (local.set $off (i32.mul (local.get $i) (local.get $xLine)))
      (local.set $end (i32.add (local.get $off) (local.get $runBytes)))
      (loop $run
        (local.set $w0 (v128.load (local.get $wq)))
        (local.set $w1 (v128.load offset=16 (local.get $wq)))
        (local.set $b (v128.load32_splat (i32.add (local.get $p0) (local.get $off))))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $b) (local.get $w0))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $b) (local.get $w1))))
        (local.set $b (v128.load32_splat (i32.add (local.get $p1) (local.get $off))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $b) (local.get $w0))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $b) (local.get $w1))))
        (local.set $b (v128.load32_splat (i32.add (local.get $p2) (local.get $off))))
        (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $b) (local.get $w0))))
        (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $b) (local.get $w1))))
        (local.set $b (v128.load32_splat (i32.add (local.get $p3) (local.get $off))))
        (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $b) (local.get $w0))))
        (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $b) (local.get $w1))))
        (local.set $wq (i32.add (local.get $wq) (i32.const 32)))
        (local.set $off (i32.add (local.get $off) (i32.const 4)))
        (br_if $run (i32.lt_u (local.get $off) (local.get $end))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $tapRows (i32.lt_u (local.get $i) (local.get $kh))))
    (v128.store (local.get $y0) (local.get $a0))
    (v128.store offset=16 (local.get $y0) (local.get $a1))
    (v128.store (local.get $y1) (local.get $a2))
    (v128.store offset=16 (local.get $y1) (local.get $a3))
    (v128.store (local.get $y2) (local.get $a4))
    (v128.store offset=16 (local.get $y2) (local.get $a5))
    (v128.store (local.get $y3) (local.get $a6))
    (v128.store offset=16 (local.get $y3) (local.get $a7)))

  ;; The forward conv walks output pixels in order (flat over N·Ho·Wo) with this state instead of dividing a flat
  ;; index per pixel (4 divisions per pixel cost ≈25% of a 3×3 conv with 32 channels, and more for 1×1 convs).
  (global $ox (mut i32) (i32.const 0))        ;; the next pixel's column
  (global $oy (mut i32) (i32.const 0))        ;; and row
  (global $rowStart (mut i32) (i32.const 0))  ;; xp at the first tap of that row's first pixel
  (global $wo (mut i32) (i32.const 0))
  (global $ho (mut i32) (i32.const 0))
  (global $xPix (mut i32) (i32.const 0))      ;; bytes between horizontally adjacent pixels' fields (sw·Cin·4)
  (global $rowStep (mut i32) (i32.const 0))   ;; bytes between vertically adjacent pixels' fields (sh·Wp·Cin·4)
  (global $imageStep (mut i32) (i32.const 0)) ;; bytes from past the last row's field to the next image's first

  ;; Points the walk at output pixel q of xp [N,Hp,Wp,Cin].
  (func $seek (param $q i32) (param $xp i32) (param $hp i32) (param $xLine i32) (param $sh i32)
    (local $pixels i32) (local $img i32) (local $rem i32)
    (local.set $pixels (i32.mul (global.get $ho) (global.get $wo)))
    (local.set $img (i32.div_u (local.get $q) (local.get $pixels)))
    (local.set $rem (i32.rem_u (local.get $q) (local.get $pixels)))
    (global.set $oy (i32.div_u (local.get $rem) (global.get $wo)))
    (global.set $ox (i32.rem_u (local.get $rem) (global.get $wo)))
    (global.set $rowStart (i32.add (local.get $xp)
      (i32.mul (i32.add (i32.mul (local.get $img) (local.get $hp)) (i32.mul (global.get $oy) (local.get $sh)))
               (local.get $xLine)))))

  ;; The current pixel's first tap in xp; then steps to the next pixel.
  (func $nextPixel (result i32)
    (local $at i32)
    (local.set $at (i32.add (global.get $rowStart) (i32.mul (global.get $ox) (global.get $xPix))))
    (global.set $ox (i32.add (global.get $ox) (i32.const 1)))
    (if (i32.eq (global.get $ox) (global.get $wo))
      (then
        (global.set $ox (i32.const 0))
        (global.set $rowStart (i32.add (global.get $rowStart) (global.get $rowStep)))
        (global.set $oy (i32.add (global.get $oy) (i32.const 1)))
        (if (i32.eq (global.get $oy) (global.get $ho))
          (then
            (global.set $oy (i32.const 0))
            (global.set $rowStart (i32.add (global.get $rowStart) (global.get $imageStep)))))))
    (local.get $at))

  ;; Conv2D forward: y[n,oy,ox,o] = Σ_{i,j,c} xp[n, oy·sh+i, ox·sw+j, c] · W[i,j,c,o], with xp the padded input
  ;; [N,Hp,Wp,Cin] and the filter packed by packFilter. Needs Cout % 8 = 0 (any Cin). Output pixels are taken
  ;; flat over the batch, 4 per tile (a last partial tile repeats the last pixel, writing the same values twice),
  ;; in blocks of `block` pixels inside which every group of 8 output channels is done before the next block.
  (func (export "conv2d")
        (param $xp i32) (param $packed i32) (param $y i32)
        (param $n i32) (param $hp i32) (param $wp i32) (param $cin i32)
        (param $ho i32) (param $wo i32) (param $cout i32)
        (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $block i32)
    (local $total i32) (local $last i32) (local $q0 i32) (local $qEnd i32) (local $q i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32)
    (local $o i32) (local $cinBytes i32) (local $xLine i32) (local $yPix i32) (local $groupBytes i32) (local $yo i32)
    (local.set $total (i32.mul (local.get $n) (i32.mul (local.get $ho) (local.get $wo))))
    (local.set $last (i32.sub (local.get $total) (i32.const 1)))
    (local.set $cinBytes (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $xLine (i32.mul (local.get $wp) (local.get $cinBytes)))
    (local.set $yPix (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $groupBytes (i32.shl (i32.mul (i32.mul (local.get $kh) (local.get $kw)) (local.get $cin)) (i32.const 5)))
    (global.set $wo (local.get $wo))
    (global.set $ho (local.get $ho))
    (global.set $xPix (i32.mul (local.get $sw) (local.get $cinBytes)))
    (global.set $rowStep (i32.mul (local.get $sh) (local.get $xLine)))
    (global.set $imageStep
      (i32.mul (i32.sub (local.get $hp) (i32.mul (local.get $ho) (local.get $sh))) (local.get $xLine)))
    (loop $blocks
      (local.set $qEnd (i32.add (local.get $q0) (local.get $block)))
      (if (i32.gt_u (local.get $qEnd) (local.get $total)) (then (local.set $qEnd (local.get $total))))
      (local.set $o (i32.const 0))
      (loop $outChannels
        (call $seek (local.get $q0) (local.get $xp) (local.get $hp) (local.get $xLine) (local.get $sh))
        (local.set $q (local.get $q0))
        (local.set $yo (i32.shl (local.get $o) (i32.const 2)))
        (loop $tiles
          ;; Pixels past the last one repeat it (q1..q3 clamped; the walk is not advanced past the end).
          (local.set $p0 (call $nextPixel))
          (local.set $q1 (local.get $q)) (local.set $p1 (local.get $p0))
          (if (i32.lt_u (local.get $q1) (local.get $last))
            (then (local.set $q1 (i32.add (local.get $q1) (i32.const 1))) (local.set $p1 (call $nextPixel))))
          (local.set $q2 (local.get $q1)) (local.set $p2 (local.get $p1))
          (if (i32.lt_u (local.get $q2) (local.get $last))
            (then (local.set $q2 (i32.add (local.get $q2) (i32.const 1))) (local.set $p2 (call $nextPixel))))
          (local.set $q3 (local.get $q2)) (local.set $p3 (local.get $p2))
          (if (i32.lt_u (local.get $q3) (local.get $last))
            (then (local.set $q3 (i32.add (local.get $q3) (i32.const 1))) (local.set $p3 (call $nextPixel))))
          (call $convTile (local.get $p0) (local.get $p1) (local.get $p2) (local.get $p3)
            (i32.add (local.get $packed) (i32.mul (i32.shr_u (local.get $o) (i32.const 3)) (local.get $groupBytes)))
            (local.get $kh) (i32.mul (local.get $kw) (local.get $cinBytes)) (local.get $xLine)
            (i32.add (i32.add (local.get $y) (i32.mul (local.get $q) (local.get $yPix))) (local.get $yo))
            (i32.add (i32.add (local.get $y) (i32.mul (local.get $q1) (local.get $yPix))) (local.get $yo))
            (i32.add (i32.add (local.get $y) (i32.mul (local.get $q2) (local.get $yPix))) (local.get $yo))
            (i32.add (i32.add (local.get $y) (i32.mul (local.get $q3) (local.get $yPix))) (local.get $yo)))
          (local.set $q (i32.add (local.get $q) (i32.const 4)))
          (br_if $tiles (i32.lt_u (local.get $q) (local.get $qEnd))))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (br_if $outChannels (i32.lt_u (local.get $o) (local.get $cout))))
      (local.set $q0 (local.get $qEnd))
      (br_if $blocks (i32.lt_u (local.get $q0) (local.get $total)))))

  ;; W [rows, Cout] (rows = kh·kw·Cin) → packed [Cout/8][rows][8], so that a tile reads its filter contiguously.
  (func (export "packFilter") (param $w i32) (param $packed i32) (param $rows i32) (param $cout i32)
    (local $o i32) (local $src i32) (local $end i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $cout) (i32.const 2)))
    (loop $outChannels
      (local.set $src (i32.add (local.get $w) (i32.shl (local.get $o) (i32.const 2))))
      (local.set $end (i32.add (local.get $src) (i32.mul (local.get $rows) (local.get $rowBytes))))
      (loop $rowsLoop
        (v128.store (local.get $packed) (v128.load (local.get $src)))
        (v128.store offset=16 (local.get $packed) (v128.load offset=16 (local.get $src)))
        (local.set $packed (i32.add (local.get $packed) (i32.const 32)))
        (local.set $src (i32.add (local.get $src) (local.get $rowBytes)))
        (br_if $rowsLoop (i32.lt_u (local.get $src) (local.get $end))))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br_if $outChannels (i32.lt_u (local.get $o) (local.get $cout)))))

  ;; Zero-padding of x [N,H,W,C] into out [N, top+H+bottom, left+W+right, cOut] (cOut ≥ C: extra channels are
  ;; zeros too), as row copies and fills (tfjs's wasm PadV2 is a per-element loop: 4 ms for a [128,28,28,16] batch,
  ;; more than the 3×3 conv that needed it). With extra channels each pixel is copied value by value.
  (func (export "padNHWC") (param $x i32) (param $out i32) (param $n i32) (param $h i32) (param $w i32) (param $c i32)
        (param $top i32) (param $bottom i32) (param $left i32) (param $right i32) (param $cOut i32)
    (local $inPixelBytes i32) (local $outPixelBytes i32) (local $rowBytes i32) (local $outRowBytes i32)
    (local $leftBytes i32) (local $rightBytes i32) (local $img i32) (local $y i32) (local $rowEnd i32) (local $k i32)
    (local.set $inPixelBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $outPixelBytes (i32.shl (local.get $cOut) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $w) (local.get $inPixelBytes)))
    (local.set $leftBytes (i32.mul (local.get $left) (local.get $outPixelBytes)))
    (local.set $rightBytes (i32.mul (local.get $right) (local.get $outPixelBytes)))
    (local.set $outRowBytes (i32.add (i32.mul (local.get $w) (local.get $outPixelBytes))
                                     (i32.add (local.get $leftBytes) (local.get $rightBytes))))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $images
        (memory.fill (local.get $out) (i32.const 0) (i32.mul (local.get $top) (local.get $outRowBytes)))
        (local.set $out (i32.add (local.get $out) (i32.mul (local.get $top) (local.get $outRowBytes))))
        (local.set $y (local.get $h))
        (block $rowsDone
          (br_if $rowsDone (i32.eqz (local.get $y)))
          (loop $rows
            (memory.fill (local.get $out) (i32.const 0) (local.get $leftBytes))
            (local.set $out (i32.add (local.get $out) (local.get $leftBytes)))
            (if (i32.eq (local.get $c) (local.get $cOut))
              (then
                (memory.copy (local.get $out) (local.get $x) (local.get $rowBytes))
                (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
                (local.set $x (i32.add (local.get $x) (local.get $rowBytes))))
              (else
                (local.set $rowEnd (i32.add (local.get $x) (local.get $rowBytes)))
                (block $pixelsDone
                  (br_if $pixelsDone (i32.ge_u (local.get $x) (local.get $rowEnd)))
                  (loop $pixels
                    (local.set $k (i32.const 0))
                    (loop $values
                      (if (i32.lt_u (local.get $k) (local.get $c))
                        (then (f32.store (local.get $out) (f32.load (local.get $x)))
                              (local.set $x (i32.add (local.get $x) (i32.const 4))))
                        (else (f32.store (local.get $out) (f32.const 0))))
                      (local.set $out (i32.add (local.get $out) (i32.const 4)))
                      (local.set $k (i32.add (local.get $k) (i32.const 1)))
                      (br_if $values (i32.lt_u (local.get $k) (local.get $cOut))))
                    (br_if $pixels (i32.lt_u (local.get $x) (local.get $rowEnd)))))))
            (memory.fill (local.get $out) (i32.const 0) (local.get $rightBytes))
            (local.set $out (i32.add (local.get $out) (local.get $rightBytes)))
            (local.set $y (i32.sub (local.get $y) (i32.const 1)))
            (br_if $rows (local.get $y))))
        (memory.fill (local.get $out) (i32.const 0) (i32.mul (local.get $bottom) (local.get $outRowBytes)))
        (local.set $out (i32.add (local.get $out) (i32.mul (local.get $bottom) (local.get $outRowBytes))))
        (local.set $img (i32.add (local.get $img) (i32.const 1)))
        (br_if $images (i32.lt_u (local.get $img) (local.get $n))))))

  ;; out[c] = scale · Σ_r x[r·cols + c] for x [rows, cols]: a reduction over leading axes (weight standardization's
  ;; per-output-channel statistics, bias gradients). tfjs's wasm Sum/Mean first transpose the reduced axes to the
  ;; end — a full copy with a scalar loop (5.6 ms for a 1×1×1536×768 filter); this reads x once, 4 columns a time.
  (func (export "columnSum") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32) (param $scale f32)
    (local $vecEnd i32) (local $end i32) (local $o i32) (local $r i32) (local $row i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $cols) (i32.const 2))))
    (local.set $vecEnd (i32.add (local.get $out) (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2))))
    (memory.fill (local.get $out) (i32.const 0) (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $row (local.get $x))
    (block $rowsDone
      (br_if $rowsDone (i32.eqz (local.get $rows)))
      (loop $rowsLoop
        (local.set $o (local.get $out))
        (local.set $x (local.get $row))
        (block $vecDone
          (br_if $vecDone (i32.ge_u (local.get $o) (local.get $vecEnd)))
          (loop $vec
            (v128.store (local.get $o) (f32x4.add (v128.load (local.get $o)) (v128.load (local.get $x))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br_if $vec (i32.lt_u (local.get $o) (local.get $vecEnd)))))
        (block $tailDone
          (br_if $tailDone (i32.ge_u (local.get $o) (local.get $end)))
          (loop $tail
            (f32.store (local.get $o) (f32.add (f32.load (local.get $o)) (f32.load (local.get $x))))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br_if $tail (i32.lt_u (local.get $o) (local.get $end)))))
        (local.set $row (i32.add (local.get $row) (i32.shl (local.get $cols) (i32.const 2))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $rowsLoop (i32.lt_u (local.get $r) (local.get $rows)))))
    (local.set $o (local.get $out))
    (block $scaleDone
      (br_if $scaleDone (i32.ge_u (local.get $o) (local.get $end)))
      (loop $scaleLoop
        (f32.store (local.get $o) (f32.mul (f32.load (local.get $o)) (local.get $scale)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br_if $scaleLoop (i32.lt_u (local.get $o) (local.get $end))))))

  ;; out[b, c, r] = x[b, r, c] for x [batch, rows, cols], 32-bit elements, in 16×16 blocks so that both sides are
  ;; read and written a cache line at a time. tfjs's wasm Transpose is a per-element loop with index arithmetic
  ;; (4–5 ms for 1536×768, the weight of every transposed MatMul in a dense layer's backward pass).
  (func (export "transpose2d") (param $x i32) (param $out i32) (param $batch i32) (param $rows i32) (param $cols i32)
    (local $b i32) (local $r0 i32) (local $c0 i32) (local $r i32) (local $c i32) (local $rEnd i32) (local $cEnd i32)
    (local $matrix i32)
    (local.set $matrix (i32.shl (i32.mul (local.get $rows) (local.get $cols)) (i32.const 2)))
    (block $done
      (br_if $done (i32.or (i32.eqz (local.get $batch)) (i32.eqz (local.get $matrix))))
      (loop $matrices
        (local.set $r0 (i32.const 0))
        (loop $rowBlocks
          (local.set $rEnd (i32.add (local.get $r0) (i32.const 16)))
          (if (i32.gt_u (local.get $rEnd) (local.get $rows)) (then (local.set $rEnd (local.get $rows))))
          (local.set $c0 (i32.const 0))
          (loop $colBlocks
            (local.set $cEnd (i32.add (local.get $c0) (i32.const 16)))
            (if (i32.gt_u (local.get $cEnd) (local.get $cols)) (then (local.set $cEnd (local.get $cols))))
            (local.set $r (local.get $r0))
            (loop $blockRows
              (local.set $c (local.get $c0))
              (loop $blockCols
                (i32.store
                  (i32.add (local.get $out)
                    (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2)))
                  (i32.load (i32.add (local.get $x)
                    (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2)))))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br_if $blockCols (i32.lt_u (local.get $c) (local.get $cEnd))))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br_if $blockRows (i32.lt_u (local.get $r) (local.get $rEnd))))
            (local.set $c0 (local.get $cEnd))
            (br_if $colBlocks (i32.lt_u (local.get $c0) (local.get $cols))))
          (local.set $r0 (local.get $rEnd))
          (br_if $rowBlocks (i32.lt_u (local.get $r0) (local.get $rows))))
        (local.set $x (i32.add (local.get $x) (local.get $matrix)))
        (local.set $out (i32.add (local.get $out) (local.get $matrix)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br_if $matrices (i32.lt_u (local.get $b) (local.get $batch))))))

  ;; tanh(u), 4 lanes: sign(u)·(1 − e)/(1 + e) with e = exp(−2|u|) (|u| capped at 9, where tanh is 1 in float32).
  ;; exp by range reduction: −2|u| = k·ln2 + r, |r| ≤ ln2/2, 2^k from the exponent bits and exp(r) by its degree-6
  ;; Taylor polynomial (relative error ≈ 1e-7); the absolute error of tanh is then ≈ 1e-7 everywhere.
  (func $tanh4 (param $u v128) (result v128)
    (local $a v128) (local $y v128) (local $k v128) (local $r v128) (local $p v128) (local $e v128)
    (local.set $a (f32x4.min (f32x4.abs (local.get $u)) (f32x4.splat (f32.const 9))))
    (local.set $y (f32x4.mul (local.get $a) (f32x4.splat (f32.const -2))))
    (local.set $k (f32x4.nearest (f32x4.mul (local.get $y) (f32x4.splat (f32.const 1.4426950408889634)))))
    (local.set $r (f32x4.sub (local.get $y) (f32x4.mul (local.get $k) (f32x4.splat (f32.const 0.693145751953125)))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $k) (f32x4.splat (f32.const 1.428606765330187e-6)))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 0.0013888889)) (f32x4.mul (local.get $r) (f32x4.splat (f32.const 0.00019841270)))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 0.0083333333)) (f32x4.mul (local.get $r) (local.get $p))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 0.041666667)) (f32x4.mul (local.get $r) (local.get $p))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 0.16666667)) (f32x4.mul (local.get $r) (local.get $p))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 0.5)) (f32x4.mul (local.get $r) (local.get $p))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $r) (local.get $p))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $r) (local.get $p))))
    ;; 2^k: k ∈ [−26, 0], so (k + 127) << 23 is a normal float's bit pattern.
    (local.set $e (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $k)) (i32x4.splat (i32.const 127))) (i32.const 23))))
    (v128.or
      (f32x4.div (f32x4.sub (f32x4.splat (f32.const 1)) (local.get $e)) (f32x4.add (f32x4.splat (f32.const 1)) (local.get $e)))
      (v128.and (local.get $u) (i32x4.splat (i32.const 0x80000000)))))

  ;; GELU (tanh form) and its derivative in one pass each, on the first n − n mod 4 elements (the caller does the
  ;; rest): y = ½x(1 + t), dx = dy·(½(1 + t) + ½x(1 − t²)·c(1 + 3a x²)), t = tanh(c(x + a x³)), c = √(2/π),
  ;; a = 0.044715. Composed from tfjs ops they took 9 and 16 memory passes (and tfjs's scalar Tanh).
  (func $geluInner (param $x v128) (result v128)
    (f32x4.mul (f32x4.splat (f32.const 0.7978845608028654))
      (f32x4.add (local.get $x)
        (f32x4.mul (f32x4.splat (f32.const 0.044715)) (f32x4.mul (local.get $x) (f32x4.mul (local.get $x) (local.get $x)))))))

  (func (export "geluForward") (param $x i32) (param $y i32) (param $n i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (loop $loop
        (local.set $v (v128.load (local.get $x)))
        (v128.store (local.get $y)
          (f32x4.mul (f32x4.mul (local.get $v) (f32x4.splat (f32.const 0.5)))
                     (f32x4.add (f32x4.splat (f32.const 1)) (call $tanh4 (call $geluInner (local.get $v))))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br_if $loop (i32.lt_u (local.get $x) (local.get $end))))))

  (func (export "geluBackward") (param $x i32) (param $dy i32) (param $dx i32) (param $n i32)
    (local $end i32) (local $v v128) (local $t v128) (local $d v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (loop $loop
        (local.set $v (v128.load (local.get $x)))
        (local.set $t (call $tanh4 (call $geluInner (local.get $v))))
        ;; d = ½(1 + t) + ½x(1 − t²)·c(1 + 3a x²)
        (local.set $d
          (f32x4.add
            (f32x4.mul (f32x4.splat (f32.const 0.5)) (f32x4.add (f32x4.splat (f32.const 1)) (local.get $t)))
            (f32x4.mul
              (f32x4.mul (f32x4.mul (f32x4.splat (f32.const 0.5)) (local.get $v))
                         (f32x4.sub (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $t) (local.get $t))))
              (f32x4.mul (f32x4.splat (f32.const 0.7978845608028654))
                         (f32x4.add (f32x4.splat (f32.const 1))
                                    (f32x4.mul (f32x4.splat (f32.const 0.134145)) (f32x4.mul (local.get $v) (local.get $v))))))))
        (v128.store (local.get $dx) (f32x4.mul (v128.load (local.get $dy)) (local.get $d)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
        (local.set $dx (i32.add (local.get $dx) (i32.const 16)))
        (br_if $loop (i32.lt_u (local.get $x) (local.get $end))))))

  ;; ---- convgrad: strided-output conv (backprop-input by phases) and the filter gradient over receptive-field runs ----

  ;; Where the strided-output conv writes: a second pixel walk beside $seek/$nextPixel's, over an output whose
  ;; adjacent pixels, rows and images lie $cgPix, $cgRowStep and (past the last row) $cgImageStep bytes apart.
  (global $cgOx (mut i32) (i32.const 0))
  (global $cgOy (mut i32) (i32.const 0))
  (global $cgRowStart (mut i32) (i32.const 0))
  (global $cgPix (mut i32) (i32.const 0))
  (global $cgRowStep (mut i32) (i32.const 0))
  (global $cgImageStep (mut i32) (i32.const 0))

  ;; Points the output walk at output pixel q (the image's rows are $ho, its columns $wo, as for $seek).
  (func $cgSeek (param $q i32) (param $y i32) (param $yImage i32)
    (local $pixels i32) (local $img i32) (local $rem i32)
    (local.set $pixels (i32.mul (global.get $ho) (global.get $wo)))
    (local.set $img (i32.div_u (local.get $q) (local.get $pixels)))
    (local.set $rem (i32.rem_u (local.get $q) (local.get $pixels)))
    (global.set $cgOy (i32.div_u (local.get $rem) (global.get $wo)))
    (global.set $cgOx (i32.rem_u (local.get $rem) (global.get $wo)))
    (global.set $cgRowStart (i32.add (local.get $y)
      (i32.add (i32.mul (local.get $img) (local.get $yImage)) (i32.mul (global.get $cgOy) (global.get $cgRowStep))))))

  ;; The current output pixel's address; then steps to the next pixel.
  (func $cgNextOut (result i32)
    (local $at i32)
    (local.set $at (i32.add (global.get $cgRowStart) (i32.mul (global.get $cgOx) (global.get $cgPix))))
    (global.set $cgOx (i32.add (global.get $cgOx) (i32.const 1)))
    (if (i32.eq (global.get $cgOx) (global.get $wo))
      (then
        (global.set $cgOx (i32.const 0))
        (global.set $cgRowStart (i32.add (global.get $cgRowStart) (global.get $cgRowStep)))
        (global.set $cgOy (i32.add (global.get $cgOy) (i32.const 1)))
        (if (i32.eq (global.get $cgOy) (global.get $ho))
          (then
            (global.set $cgOy (i32.const 0))
            (global.set $cgRowStart (i32.add (global.get $cgRowStart) (global.get $cgImageStep)))))))
    (local.get $at))

  ;; conv2d (same tiles, packed filter and blocking) writing output pixel [n, oy, ox] at
  ;; y + n·yImage + oy·yRow + ox·yPix instead of densely: one phase of a strided conv's backprop-input writes every
  ;; s-th row and column of dx in place (wasmStridedInputGrad.ts). Channels stay contiguous (Cout of them, % 8 = 0).
  (func (export "conv2dScatter")
        (param $xp i32) (param $packed i32) (param $y i32)
        (param $n i32) (param $hp i32) (param $wp i32) (param $cin i32)
        (param $ho i32) (param $wo i32) (param $cout i32)
        (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $block i32)
        (param $yPix i32) (param $yRow i32) (param $yImage i32)
    (local $total i32) (local $last i32) (local $q0 i32) (local $qEnd i32) (local $q i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $y0 i32) (local $y1 i32) (local $y2 i32) (local $y3 i32)
    (local $o i32) (local $cinBytes i32) (local $xLine i32) (local $groupBytes i32) (local $yo i32)
    (local.set $total (i32.mul (local.get $n) (i32.mul (local.get $ho) (local.get $wo))))
    (local.set $last (i32.sub (local.get $total) (i32.const 1)))
    (local.set $cinBytes (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $xLine (i32.mul (local.get $wp) (local.get $cinBytes)))
    (local.set $groupBytes (i32.shl (i32.mul (i32.mul (local.get $kh) (local.get $kw)) (local.get $cin)) (i32.const 5)))
    (global.set $wo (local.get $wo))
    (global.set $ho (local.get $ho))
    (global.set $xPix (i32.mul (local.get $sw) (local.get $cinBytes)))
    (global.set $rowStep (i32.mul (local.get $sh) (local.get $xLine)))
    (global.set $imageStep
      (i32.mul (i32.sub (local.get $hp) (i32.mul (local.get $ho) (local.get $sh))) (local.get $xLine)))
    (global.set $cgPix (local.get $yPix))
    (global.set $cgRowStep (local.get $yRow))
    (global.set $cgImageStep (i32.sub (local.get $yImage) (i32.mul (local.get $ho) (local.get $yRow))))
    (loop $blocks
      (local.set $qEnd (i32.add (local.get $q0) (local.get $block)))
      (if (i32.gt_u (local.get $qEnd) (local.get $total)) (then (local.set $qEnd (local.get $total))))
      (local.set $o (i32.const 0))
      (loop $outChannels
        (call $seek (local.get $q0) (local.get $xp) (local.get $hp) (local.get $xLine) (local.get $sh))
        (call $cgSeek (local.get $q0) (local.get $y) (local.get $yImage))
        (local.set $q (local.get $q0))
        (local.set $yo (i32.shl (local.get $o) (i32.const 2)))
        (loop $tiles
          ;; Pixels past the last one repeat it (the walks are not advanced past the end).
          (local.set $p0 (call $nextPixel))
          (local.set $y0 (call $cgNextOut))
          (local.set $p1 (local.get $p0)) (local.set $y1 (local.get $y0))
          (if (i32.lt_u (local.get $q) (local.get $last))
            (then (local.set $p1 (call $nextPixel)) (local.set $y1 (call $cgNextOut))))
          (local.set $p2 (local.get $p1)) (local.set $y2 (local.get $y1))
          (if (i32.lt_u (i32.add (local.get $q) (i32.const 1)) (local.get $last))
            (then (local.set $p2 (call $nextPixel)) (local.set $y2 (call $cgNextOut))))
          (local.set $p3 (local.get $p2)) (local.set $y3 (local.get $y2))
          (if (i32.lt_u (i32.add (local.get $q) (i32.const 2)) (local.get $last))
            (then (local.set $p3 (call $nextPixel)) (local.set $y3 (call $cgNextOut))))
          (call $convTile (local.get $p0) (local.get $p1) (local.get $p2) (local.get $p3)
            (i32.add (local.get $packed) (i32.mul (i32.shr_u (local.get $o) (i32.const 3)) (local.get $groupBytes)))
            (local.get $kh) (i32.mul (local.get $kw) (local.get $cinBytes)) (local.get $xLine)
            (i32.add (local.get $y0) (local.get $yo)) (i32.add (local.get $y1) (local.get $yo))
            (i32.add (local.get $y2) (local.get $yo)) (i32.add (local.get $y3) (local.get $yo)))
          (local.set $q (i32.add (local.get $q) (i32.const 4)))
          (br_if $tiles (i32.lt_u (local.get $q) (local.get $qEnd))))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (br_if $outChannels (i32.lt_u (local.get $o) (local.get $cout))))
      (local.set $q0 (local.get $qEnd))
      (br_if $blocks (i32.lt_u (local.get $q0) (local.get $total)))))

  ;; Conv2D's filter gradient, dW[i, m, o] = Σ_{n,y,x} xp[n, y·sh+i, x·sw·Cin + m] · dy[n,y,x,o] over m < kw·Cin:
  ;; in NHWC one receptive-field row (kw taps × Cin channels) is a contiguous run of xp, and dW[i] is [kw·Cin, Cout]
  ;; in the same order, so the 4×8 tiles step along the run instead of along channels. Channels need no padding to
  ;; 4 (a 1-channel 3×3 stem: 3 rows of 4 run values, not 9 taps of 4 channels, 3 of them zeros). dW is
  ;; [kh, runPad, Cout] with runPad = kw·Cin rounded up to 4; the values past kw·Cin read on into the next pixel
  ;; (xp must be wide enough) and are the caller's to drop. Needs Cout % 8 = 0. xp [N,Hp,Wp,Cin] is the padded input
  ;; (Hp ≥ (Ho−1)·sh + kh), dy [N,Ho,Wo,Cout]; dW is overwritten. The pixels are taken `block` output rows at a time,
  ;; and every tile of every tap row is updated from one block before the next: the block's dy and x rows stay in
  ;; L1/L2 while dW (kh·runPad·Cout floats) stays in L2.
  (func (export "conv2dFilterGradRuns")
        (param $x i32) (param $dy i32) (param $dw i32)
        (param $n i32) (param $hp i32) (param $wp i32) (param $cin i32)
        (param $ho i32) (param $wo i32) (param $cout i32)
        (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $block i32)
    (local $img i32) (local $y0 i32) (local $rows i32) (local $i i32) (local $m i32) (local $o i32)
    (local $run i32) (local $xLine i32) (local $xPix i32) (local $xRow i32) (local $dyPix i32)
    (local $xImg i32) (local $dyBlock i32) (local $xTap i32) (local $dwTap i32)
    (local.set $run (i32.mul (local.get $kw) (local.get $cin)))
    (local.set $dyPix (i32.shl (local.get $cout) (i32.const 2)))
    (memory.fill (local.get $dw) (i32.const 0)
      (i32.mul (i32.mul (local.get $kh) (i32.and (i32.add (local.get $run) (i32.const 3)) (i32.const -4)))
               (local.get $dyPix)))
    (local.set $xLine (i32.shl (i32.mul (local.get $wp) (local.get $cin)) (i32.const 2)))
    (local.set $xPix (i32.shl (i32.mul (local.get $sw) (local.get $cin)) (i32.const 2)))
    (local.set $xRow (i32.mul (local.get $sh) (local.get $xLine)))
    (loop $images
      (local.set $xImg (i32.add (local.get $x) (i32.mul (i32.mul (local.get $img) (local.get $hp)) (local.get $xLine))))
      (local.set $y0 (i32.const 0))
      (loop $blocks
        (local.set $rows (i32.sub (local.get $ho) (local.get $y0)))
        (if (i32.lt_u (local.get $block) (local.get $rows)) (then (local.set $rows (local.get $block))))
        (local.set $dyBlock (i32.add (local.get $dy)
          (i32.mul (i32.mul (i32.add (i32.mul (local.get $img) (local.get $ho)) (local.get $y0)) (local.get $wo))
                   (local.get $dyPix))))
        (local.set $i (i32.const 0))
        (loop $tapRows
          (local.set $xTap (i32.add (local.get $xImg)
            (i32.mul (i32.add (i32.mul (local.get $y0) (local.get $sh)) (local.get $i)) (local.get $xLine))))
          (local.set $dwTap (i32.add (local.get $dw)
            (i32.mul (i32.mul (local.get $i) (i32.and (i32.add (local.get $run) (i32.const 3)) (i32.const -4)))
                     (local.get $dyPix))))
          (local.set $m (i32.const 0))
          (loop $runValues
            (local.set $o (i32.const 0))
            (loop $outChannels
              (call $filterGradTile
                (i32.add (local.get $xTap) (i32.shl (local.get $m) (i32.const 2)))
                (i32.add (local.get $dyBlock) (i32.shl (local.get $o) (i32.const 2)))
                (i32.add (local.get $dwTap)
                  (i32.add (i32.mul (local.get $m) (local.get $dyPix)) (i32.shl (local.get $o) (i32.const 2))))
                (local.get $rows) (local.get $wo) (local.get $xPix) (local.get $xRow) (local.get $dyPix))
              (local.set $o (i32.add (local.get $o) (i32.const 8)))
              (br_if $outChannels (i32.lt_u (local.get $o) (local.get $cout))))
            (local.set $m (i32.add (local.get $m) (i32.const 4)))
            (br_if $runValues (i32.lt_u (local.get $m) (local.get $run))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $tapRows (i32.lt_u (local.get $i) (local.get $kh))))
        (local.set $y0 (i32.add (local.get $y0) (local.get $block)))
        (br_if $blocks (i32.lt_u (local.get $y0) (local.get $ho))))
      (local.set $img (i32.add (local.get $img) (i32.const 1)))
      (br_if $images (i32.lt_u (local.get $img) (local.get $n)))))

  ;; conv2d for a 1×1, stride-1, unpadded conv: output pixel q reads x pixel q, so the tiles address pixels directly
  ;; instead of walking rows with $nextPixel (≈ a sixth of a 16-channel 1×1 tile's instructions). x [P, Cin],
  ;; packed filter [Cout/8][Cin][8], y [P, Cout]; P ≥ 1 pixels, Cout % 8 = 0; blocking as conv2d's.
  (func (export "conv1x1") (param $x i32) (param $packed i32) (param $y i32)
        (param $pixels i32) (param $cin i32) (param $cout i32) (param $block i32)
    (local $last i32) (local $q0 i32) (local $qEnd i32) (local $q i32) (local $q1 i32) (local $q2 i32) (local $q3 i32)
    (local $o i32) (local $cinBytes i32) (local $yPix i32) (local $wq i32) (local $yo i32)
    (local.set $last (i32.sub (local.get $pixels) (i32.const 1)))
    (local.set $cinBytes (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $yPix (i32.shl (local.get $cout) (i32.const 2)))
    (loop $blocks
      (local.set $qEnd (i32.add (local.get $q0) (local.get $block)))
      (if (i32.gt_u (local.get $qEnd) (local.get $pixels)) (then (local.set $qEnd (local.get $pixels))))
      (local.set $o (i32.const 0))
      (loop $outChannels
        (local.set $wq (i32.add (local.get $packed) (i32.mul (i32.shr_u (local.get $o) (i32.const 3)) (i32.shl (local.get $cinBytes) (i32.const 3)))))
        (local.set $yo (i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2))))
        (local.set $q (local.get $q0))
        (loop $tiles
          ;; Pixels past the last one repeat it.
          (local.set $q1 (i32.add (local.get $q) (i32.const 1)))
          (if (i32.gt_u (local.get $q1) (local.get $last)) (then (local.set $q1 (local.get $last))))
          (local.set $q2 (i32.add (local.get $q) (i32.const 2)))
          (if (i32.gt_u (local.get $q2) (local.get $last)) (then (local.set $q2 (local.get $last))))
          (local.set $q3 (i32.add (local.get $q) (i32.const 3)))
          (if (i32.gt_u (local.get $q3) (local.get $last)) (then (local.set $q3 (local.get $last))))
          (call $convTile
            (i32.add (local.get $x) (i32.mul (local.get $q) (local.get $cinBytes)))
            (i32.add (local.get $x) (i32.mul (local.get $q1) (local.get $cinBytes)))
            (i32.add (local.get $x) (i32.mul (local.get $q2) (local.get $cinBytes)))
            (i32.add (local.get $x) (i32.mul (local.get $q3) (local.get $cinBytes)))
            (local.get $wq) (i32.const 1) (local.get $cinBytes) (i32.const 0)
            (i32.add (local.get $yo) (i32.mul (local.get $q) (local.get $yPix)))
            (i32.add (local.get $yo) (i32.mul (local.get $q1) (local.get $yPix)))
            (i32.add (local.get $yo) (i32.mul (local.get $q2) (local.get $yPix)))
            (i32.add (local.get $yo) (i32.mul (local.get $q3) (local.get $yPix))))
          (local.set $q (i32.add (local.get $q) (i32.const 4)))
          (br_if $tiles (i32.lt_u (local.get $q) (local.get $qEnd))))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (br_if $outChannels (i32.lt_u (local.get $o) (local.get $cout))))
      (local.set $q0 (local.get $qEnd))
      (br_if $blocks (i32.lt_u (local.get $q0) (local.get $pixels)))))

  ;; ---- bnfast: training-mode batch normalisation's per-channel passes (fusedBatchNorm.ts) ----
  ;; x is read as `periods` (≥ 1) repetitions of a period of L = 4·l4 floats, L a multiple of the channel count C
  ;; (C itself when C % 4 = 0, else lcm(C, 4)), so every lane of every vector keeps one channel. Per-channel
  ;; vectors (mean m, coefficients, accumulators) come expanded to one period. The sums overwrite their
  ;; accumulators: the caller sums short chunks of periods and adds the chunks in float64, so that float32
  ;; accumulation error stays that of a few hundred terms. All pointers are byte offsets, 16-byte steps.

  ;; acc[j] = Σ_p x[p·L + j]
  (func (export "bnSum") (param $x i32) (param $acc i32) (param $l4 i32) (param $periods i32)
    (local $j i32) (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $l4) (i32.const 4)))
    (memory.fill (local.get $acc) (i32.const 0) (local.get $bytes))
    (loop $period
      (local.set $j (i32.const 0))
      (loop $vec
        (v128.store (i32.add (local.get $acc) (local.get $j))
          (f32x4.add (v128.load (i32.add (local.get $acc) (local.get $j)))
                     (v128.load (i32.add (local.get $x) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $vec (i32.lt_u (local.get $j) (local.get $bytes))))
      (local.set $x (i32.add (local.get $x) (local.get $bytes)))
      (local.set $periods (i32.sub (local.get $periods) (i32.const 1)))
      (br_if $period (local.get $periods))))

  ;; acc[j] = Σ_p (x[p·L + j] − m[j])², the second pass of a two-pass variance.
  (func (export "bnSumSq") (param $x i32) (param $m i32) (param $acc i32) (param $l4 i32) (param $periods i32)
    (local $j i32) (local $bytes i32) (local $d v128)
    (local.set $bytes (i32.shl (local.get $l4) (i32.const 4)))
    (memory.fill (local.get $acc) (i32.const 0) (local.get $bytes))
    (loop $period
      (local.set $j (i32.const 0))
      (loop $vec
        (local.set $d (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j)))
                                 (v128.load (i32.add (local.get $m) (local.get $j)))))
        (v128.store (i32.add (local.get $acc) (local.get $j))
          (f32x4.add (v128.load (i32.add (local.get $acc) (local.get $j)))
                     (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $vec (i32.lt_u (local.get $j) (local.get $bytes))))
      (local.set $x (i32.add (local.get $x) (local.get $bytes)))
      (local.set $periods (i32.sub (local.get $periods) (i32.const 1)))
      (br_if $period (local.get $periods))))

  ;; The backward pass's sums: sDy[j] = Σ_p dy, sDyX[j] = Σ_p dy·(x − m[j]).
  (func (export "bnGradSums") (param $dy i32) (param $x i32) (param $m i32) (param $sDy i32) (param $sDyX i32)
                              (param $l4 i32) (param $periods i32)
    (local $j i32) (local $bytes i32) (local $g v128)
    (local.set $bytes (i32.shl (local.get $l4) (i32.const 4)))
    (memory.fill (local.get $sDy) (i32.const 0) (local.get $bytes))
    (memory.fill (local.get $sDyX) (i32.const 0) (local.get $bytes))
    (loop $period
      (local.set $j (i32.const 0))
      (loop $vec
        (local.set $g (v128.load (i32.add (local.get $dy) (local.get $j))))
        (v128.store (i32.add (local.get $sDy) (local.get $j))
          (f32x4.add (v128.load (i32.add (local.get $sDy) (local.get $j))) (local.get $g)))
        (v128.store (i32.add (local.get $sDyX) (local.get $j))
          (f32x4.add (v128.load (i32.add (local.get $sDyX) (local.get $j)))
                     (f32x4.mul (local.get $g)
                                (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j)))
                                           (v128.load (i32.add (local.get $m) (local.get $j)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $vec (i32.lt_u (local.get $j) (local.get $bytes))))
      (local.set $x (i32.add (local.get $x) (local.get $bytes)))
      (local.set $dy (i32.add (local.get $dy) (local.get $bytes)))
      (local.set $periods (i32.sub (local.get $periods) (i32.const 1)))
      (br_if $period (local.get $periods))))

  ;; The forward output: y = (x − m[j])·a[j] + b[j] (a = scale·rstd, b = offset).
  (func (export "bnNormalize") (param $x i32) (param $m i32) (param $a i32) (param $b i32) (param $y i32)
                               (param $l4 i32) (param $periods i32)
    (local $j i32) (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $l4) (i32.const 4)))
    (loop $period
      (local.set $j (i32.const 0))
      (loop $vec
        (v128.store (i32.add (local.get $y) (local.get $j))
          (f32x4.add
            (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j)))
                                  (v128.load (i32.add (local.get $m) (local.get $j))))
                       (v128.load (i32.add (local.get $a) (local.get $j))))
            (v128.load (i32.add (local.get $b) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $vec (i32.lt_u (local.get $j) (local.get $bytes))))
      (local.set $x (i32.add (local.get $x) (local.get $bytes)))
      (local.set $y (i32.add (local.get $y) (local.get $bytes)))
      (local.set $periods (i32.sub (local.get $periods) (i32.const 1)))
      (br_if $period (local.get $periods))))

  ;; The input gradient: dx = dy·a[j] + (x − m[j])·bx[j] + c[j].
  (func (export "bnInputGrad") (param $dy i32) (param $x i32) (param $m i32) (param $a i32) (param $bx i32)
                               (param $c i32) (param $dx i32) (param $l4 i32) (param $periods i32)
    (local $j i32) (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $l4) (i32.const 4)))
    (loop $period
      (local.set $j (i32.const 0))
      (loop $vec
        (v128.store (i32.add (local.get $dx) (local.get $j))
          (f32x4.add
            (f32x4.add
              (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $j)))
                         (v128.load (i32.add (local.get $a) (local.get $j))))
              (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j)))
                                    (v128.load (i32.add (local.get $m) (local.get $j))))
                         (v128.load (i32.add (local.get $bx) (local.get $j)))))
            (v128.load (i32.add (local.get $c) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $vec (i32.lt_u (local.get $j) (local.get $bytes))))
      (local.set $x (i32.add (local.get $x) (local.get $bytes)))
      (local.set $dy (i32.add (local.get $dy) (local.get $bytes)))
      (local.set $dx (i32.add (local.get $dx) (local.get $bytes)))
      (local.set $periods (i32.sub (local.get $periods) (i32.const 1)))
      (br_if $period (local.get $periods))))

  ;; ---- nfblock: weight standardisation and the NF block's scaled ReLU, forward and backward ----
  ;; Weight standardisation views an HWIO kernel as x [rows, cols] (rows = kh·kw·cin, cols = cout) and works per
  ;; column, 4 columns a vector: every function here takes cols % 4 = 0 (the callers check). Composed from tfjs ops
  ;; the forward took 10 kernels per conv and the gradient 20; here the column sums are one pass over W (and dy),
  ;; the per-channel scalars are computed by the caller, and the result is one more pass.

  ;; s[0·cols + c] = Σ_r d,  s[1·cols + c] = Σ_r d²,  s[2·cols + c] = Σ_r dy,  s[3·cols + c] = Σ_r dy·d,
  ;; d = x[r,c] − mean[c], for x and dy [rows, cols] (the forward pass passes x as dy).
  (func (export "wsColumnSums") (param $dy i32) (param $x i32) (param $mean i32) (param $s i32) (param $rows i32) (param $cols i32)
    (local $bytes i32) (local $c i32) (local $p i32) (local $q i32) (local $end i32) (local $m v128) (local $d v128)
    (local $g v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $bytes))))
    (block $done
      (br_if $done (i32.eqz (local.get $cols)))
      (loop $columns
        (local.set $m (v128.load (i32.add (local.get $mean) (local.get $c))))
        (local.set $a0 (v128.const f32x4 0 0 0 0))
        (local.set $a1 (v128.const f32x4 0 0 0 0))
        (local.set $a2 (v128.const f32x4 0 0 0 0))
        (local.set $a3 (v128.const f32x4 0 0 0 0))
        (local.set $p (i32.add (local.get $x) (local.get $c)))
        (local.set $q (i32.add (local.get $dy) (local.get $c)))
        (block $rowsDone
          (br_if $rowsDone (i32.ge_u (local.get $p) (local.get $end)))
          (loop $rowLoop
            (local.set $d (f32x4.sub (v128.load (local.get $p)) (local.get $m)))
            (local.set $g (v128.load (local.get $q)))
            (local.set $a0 (f32x4.add (local.get $a0) (local.get $d)))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $a2 (f32x4.add (local.get $a2) (local.get $g)))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $g) (local.get $d))))
            (local.set $p (i32.add (local.get $p) (local.get $bytes)))
            (local.set $q (i32.add (local.get $q) (local.get $bytes)))
            (br_if $rowLoop (i32.lt_u (local.get $p) (local.get $end)))))
        (local.set $p (i32.add (local.get $s) (local.get $c)))
        (v128.store (local.get $p) (local.get $a0))
        (local.set $p (i32.add (local.get $p) (local.get $bytes)))
        (v128.store (local.get $p) (local.get $a1))
        (local.set $p (i32.add (local.get $p) (local.get $bytes)))
        (v128.store (local.get $p) (local.get $a2))
        (local.set $p (i32.add (local.get $p) (local.get $bytes)))
        (v128.store (local.get $p) (local.get $a3))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br_if $columns (i32.lt_u (local.get $c) (local.get $bytes))))))

  ;; out[r,c] = dy[r,c]·k[0·cols + c] + (x[r,c] − mean[c])·k[1·cols + c] − k[2·cols + c]: the standardised kernel
  ;; (k = 0, gain·r, 0; dy may be x) and its gradient (k = gain·r, −v, mean of the rest).
  (func (export "wsApply") (param $dy i32) (param $x i32) (param $mean i32) (param $k i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $bytes i32) (local $c i32) (local $r i32) (local $kc i32)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (block $done
      (br_if $done (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $cols))))
      (loop $rowLoop
        (local.set $c (i32.const 0))
        (loop $columns
          (local.set $kc (i32.add (local.get $k) (local.get $c)))
          (v128.store (i32.add (local.get $out) (local.get $c))
            (f32x4.sub
              (f32x4.add
                (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $c))) (v128.load (local.get $kc)))
                (f32x4.mul
                  (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $c)))
                             (v128.load (i32.add (local.get $mean) (local.get $c))))
                  (v128.load (i32.add (local.get $kc) (local.get $bytes)))))
              (v128.load (i32.add (local.get $kc) (i32.shl (local.get $bytes) (i32.const 1))))))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br_if $columns (i32.lt_u (local.get $c) (local.get $bytes))))
        (local.set $dy (i32.add (local.get $dy) (local.get $bytes)))
        (local.set $x (i32.add (local.get $x) (local.get $bytes)))
        (local.set $out (i32.add (local.get $out) (local.get $bytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $rowLoop (i32.lt_u (local.get $r) (local.get $rows))))))

  ;; y[r,c] = s·max(z[r,c] + b[c], 0) for z [rows, cols] (b read only when hasBias): a conv's bias, ReLU and the
  ;; γ·β scale in one pass, where tfjs ops take three or four.
  (func (export "biasReluScale") (param $z i32) (param $b i32) (param $y i32) (param $rows i32) (param $cols i32) (param $s f32) (param $hasBias i32)
    (local $bytes i32) (local $c i32) (local $r i32) (local $sv v128) (local $bv v128)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $sv (f32x4.splat (local.get $s)))
    (block $done
      (br_if $done (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $cols))))
      (loop $rowLoop
        (local.set $c (i32.const 0))
        (loop $columns
          (if (local.get $hasBias)
            (then (local.set $bv (v128.load (i32.add (local.get $b) (local.get $c))))))
          (v128.store (i32.add (local.get $y) (local.get $c))
            (f32x4.mul (local.get $sv)
              (f32x4.max (f32x4.add (v128.load (i32.add (local.get $z) (local.get $c))) (local.get $bv))
                         (v128.const f32x4 0 0 0 0))))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br_if $columns (i32.lt_u (local.get $c) (local.get $bytes))))
        (local.set $z (i32.add (local.get $z) (local.get $bytes)))
        (local.set $y (i32.add (local.get $y) (local.get $bytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $rowLoop (i32.lt_u (local.get $r) (local.get $rows))))))

  ;; dz = s·dy·[y > 0] from biasReluScale's output y (NaN where y is NaN, as tfjs's Step passes NaN on), and when
  ;; hasBias db[c] = Σ_r dz[r,c]: ReLU's and the bias's gradients in one pass.
  (func (export "reluScaleGrad") (param $y i32) (param $dy i32) (param $dz i32) (param $db i32) (param $rows i32) (param $cols i32) (param $s f32) (param $hasBias i32)
    (local $bytes i32) (local $c i32) (local $r i32) (local $sv v128) (local $v v128) (local $g v128) (local $p i32)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $sv (f32x4.splat (local.get $s)))
    (if (local.get $hasBias) (then (memory.fill (local.get $db) (i32.const 0) (local.get $bytes))))
    (block $done
      (br_if $done (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $cols))))
      (loop $rowLoop
        (local.set $c (i32.const 0))
        (loop $columns
          (local.set $v (v128.load (i32.add (local.get $y) (local.get $c))))
          (local.set $g
            (v128.or
              (v128.and (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $c))) (local.get $sv))
                        (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0)))
              (v128.and (f32x4.ne (local.get $v) (local.get $v)) (i32x4.splat (i32.const 0x7fc00000)))))
          (v128.store (i32.add (local.get $dz) (local.get $c)) (local.get $g))
          (if (local.get $hasBias)
            (then
              (local.set $p (i32.add (local.get $db) (local.get $c)))
              (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $g)))))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br_if $columns (i32.lt_u (local.get $c) (local.get $bytes))))
        (local.set $y (i32.add (local.get $y) (local.get $bytes)))
        (local.set $dy (i32.add (local.get $dy) (local.get $bytes)))
        (local.set $dz (i32.add (local.get $dz) (local.get $bytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $rowLoop (i32.lt_u (local.get $r) (local.get $rows))))))

  ;; out[k,r,c] = h[k,r,c]·f[k] + s[k,r,c] (+ sb[c] when hasBias) for h, s [n, rows, cols]: the NF block's end,
  ;; residual·mask·skip_gain·α + shortcut (+ the shortcut conv's bias), one pass where tfjs ops take four or five.
  (func (export "residualMerge") (param $h i32) (param $f i32) (param $s i32) (param $sb i32) (param $out i32) (param $n i32) (param $rows i32) (param $cols i32) (param $hasBias i32)
    (local $bytes i32) (local $c i32) (local $r i32) (local $k i32) (local $fv v128) (local $bv v128)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (block $done
      (br_if $done (i32.or (i32.or (i32.eqz (local.get $n)) (i32.eqz (local.get $rows))) (i32.eqz (local.get $cols))))
      (loop $samples
        (local.set $fv (v128.load32_splat (i32.add (local.get $f) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $r (i32.const 0))
        (loop $rowLoop
          (local.set $c (i32.const 0))
          (loop $columns
            (if (local.get $hasBias)
              (then (local.set $bv (v128.load (i32.add (local.get $sb) (local.get $c))))))
            (v128.store (i32.add (local.get $out) (local.get $c))
              (f32x4.add
                (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $h) (local.get $c))) (local.get $fv))
                           (v128.load (i32.add (local.get $s) (local.get $c))))
                (local.get $bv)))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br_if $columns (i32.lt_u (local.get $c) (local.get $bytes))))
          (local.set $h (i32.add (local.get $h) (local.get $bytes)))
          (local.set $s (i32.add (local.get $s) (local.get $bytes)))
          (local.set $out (i32.add (local.get $out) (local.get $bytes)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br_if $rowLoop (i32.lt_u (local.get $r) (local.get $rows))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $samples (i32.lt_u (local.get $k) (local.get $n))))))

  ;; dh[k,i] = dy[k,i]·f[k] and dots[k] = Σ_i dy[k,i]·h[k,i] for dy, h [n, per] (per % 4 = 0): residualMerge's
  ;; gradient for the branch and, scaled by the caller, for the skip gain.
  (func (export "residualMergeGrad") (param $dy i32) (param $h i32) (param $f i32) (param $dh i32) (param $dots i32) (param $n i32) (param $per i32)
    (local $k i32) (local $end i32) (local $fv v128) (local $g v128) (local $v v128) (local $a0 v128)
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $samples
        (local.set $fv (v128.load32_splat (i32.add (local.get $f) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $a0 (v128.const f32x4 0 0 0 0))
        (local.set $end (i32.add (local.get $dy) (i32.shl (local.get $per) (i32.const 2))))
        (block $rowDone
          (br_if $rowDone (i32.ge_u (local.get $dy) (local.get $end)))
          (loop $elements
            (local.set $g (v128.load (local.get $dy)))
            (v128.store (local.get $dh) (f32x4.mul (local.get $g) (local.get $fv)))
            (local.set $v (v128.load (local.get $h)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $g) (local.get $v))))
            (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
            (local.set $h (i32.add (local.get $h) (i32.const 16)))
            (local.set $dh (i32.add (local.get $dh) (i32.const 16)))
            (br_if $elements (i32.lt_u (local.get $dy) (local.get $end)))))
        (f32.store (i32.add (local.get $dots) (i32.shl (local.get $k) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
            (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $samples (i32.lt_u (local.get $k) (local.get $n))))))

  ;; Σ 0·x[i] over x [n]: 0 when every element is finite, else NaN (0·±Inf and 0·NaN are NaN) — the training step's
  ;; weights check over all parameters in one pass each, where tfjs ops take two kernels per parameter.
  (func (export "zeroDotSum") (param $x i32) (param $n i32) (result f32)
    (local $end i32) (local $vecEnd i32) (local $acc v128) (local $zero v128) (local $s f32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vecEnd (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vecDone
      (br_if $vecDone (i32.ge_u (local.get $x) (local.get $vecEnd)))
      (loop $vec
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (local.get $x)) (local.get $zero))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br_if $vec (i32.lt_u (local.get $x) (local.get $vecEnd)))))
    (local.set $s
      (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
        (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
    (block $tailDone
      (br_if $tailDone (i32.ge_u (local.get $x) (local.get $end)))
      (loop $tail
        (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $x)) (f32.const 0))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br_if $tail (i32.lt_u (local.get $x) (local.get $end)))))
    (local.get $s))

  ;; y[r,c] = z[r,c] + b[c] for z [rows, cols]: a conv's bias, where tfjs's wasm Add broadcasts per element.
  (func (export "biasAdd") (param $z i32) (param $b i32) (param $y i32) (param $rows i32) (param $cols i32)
    (local $bytes i32) (local $c i32) (local $r i32)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (block $done
      (br_if $done (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $cols))))
      (loop $rowLoop
        (local.set $c (i32.const 0))
        (loop $columns
          (v128.store (i32.add (local.get $y) (local.get $c))
            (f32x4.add (v128.load (i32.add (local.get $z) (local.get $c)))
                       (v128.load (i32.add (local.get $b) (local.get $c)))))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br_if $columns (i32.lt_u (local.get $c) (local.get $bytes))))
        (local.set $z (i32.add (local.get $z) (local.get $bytes)))
        (local.set $y (i32.add (local.get $y) (local.get $bytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $rowLoop (i32.lt_u (local.get $r) (local.get $rows))))))
  ;; ---- end nfblock ----

  ;; ---- agcfast: AGC's per-unit norms and clipping, and the SGD update, over one parameter each ----
  ;; AGC sees a parameter as x [rows, cols] whose units are its columns (HWIO conv: cols = out; [in, out] dense:
  ;; cols = out); a one-unit tensor is [n/4, 4] with the 4 columns' results combined by the caller. Three passes:
  ;; column maxima, then column sums of squares of x/m, then the clipped gradient; the caller does the per-unit
  ;; arithmetic between them (fusedAgc.ts). Composed from tfjs ops, AGC took ≈ 15 kernels per parameter group plus
  ;; the stacking copies and a broadcast select.

  ;; out[c] = max_r |x[r·cols + c]| (NaN when a NaN or ±Inf/±Inf makes it so: f32x4.max propagates NaN).
  (func (export "agcColumnMax") (param $x i32) (param $rows i32) (param $cols i32) (param $out i32)
    (local $vecEnd i32) (local $end i32) (local $o i32) (local $r i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $cols) (i32.const 2))))
    (local.set $vecEnd (i32.add (local.get $out) (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2))))
    (memory.fill (local.get $out) (i32.const 0) (i32.shl (local.get $cols) (i32.const 2)))
    (block $rowsDone
      (br_if $rowsDone (i32.eqz (local.get $rows)))
      (loop $rowsLoop
        (local.set $o (local.get $out))
        (block $vecDone
          (br_if $vecDone (i32.ge_u (local.get $o) (local.get $vecEnd)))
          (loop $vec
            (v128.store (local.get $o) (f32x4.max (v128.load (local.get $o)) (f32x4.abs (v128.load (local.get $x)))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br_if $vec (i32.lt_u (local.get $o) (local.get $vecEnd)))))
        (block $tailDone
          (br_if $tailDone (i32.ge_u (local.get $o) (local.get $end)))
          (loop $tail
            (f32.store (local.get $o) (f32.max (f32.load (local.get $o)) (f32.abs (f32.load (local.get $x)))))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br_if $tail (i32.lt_u (local.get $o) (local.get $end)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $rowsLoop (i32.lt_u (local.get $r) (local.get $rows))))))

  ;; out[c] = Σ_r (x[r·cols + c] / scale[c])², rows summed in order (as tfjs's square then sum over leading axes).
  (func (export "agcColumnSumSq") (param $x i32) (param $rows i32) (param $cols i32) (param $scale i32) (param $out i32)
    (local $vecEnd i32) (local $end i32) (local $o i32) (local $s i32) (local $r i32) (local $q v128) (local $u f32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $cols) (i32.const 2))))
    (local.set $vecEnd (i32.add (local.get $out) (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2))))
    (memory.fill (local.get $out) (i32.const 0) (i32.shl (local.get $cols) (i32.const 2)))
    (block $rowsDone
      (br_if $rowsDone (i32.eqz (local.get $rows)))
      (loop $rowsLoop
        (local.set $o (local.get $out))
        (local.set $s (local.get $scale))
        (block $vecDone
          (br_if $vecDone (i32.ge_u (local.get $o) (local.get $vecEnd)))
          (loop $vec
            (local.set $q (f32x4.div (v128.load (local.get $x)) (v128.load (local.get $s))))
            (v128.store (local.get $o) (f32x4.add (v128.load (local.get $o)) (f32x4.mul (local.get $q) (local.get $q))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (local.set $s (i32.add (local.get $s) (i32.const 16)))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br_if $vec (i32.lt_u (local.get $o) (local.get $vecEnd)))))
        (block $tailDone
          (br_if $tailDone (i32.ge_u (local.get $o) (local.get $end)))
          (loop $tail
            (local.set $u (f32.div (f32.load (local.get $x)) (f32.load (local.get $s))))
            (f32.store (local.get $o) (f32.add (f32.load (local.get $o)) (f32.mul (local.get $u) (local.get $u))))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (local.set $s (i32.add (local.get $s) (i32.const 4)))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br_if $tail (i32.lt_u (local.get $o) (local.get $end)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $rowsLoop (i32.lt_u (local.get $r) (local.get $rows))))))

  ;; out[r·cols + c] = ((g / div[c]) · mul[c]) AND keep[c]: div = m, mul = λ·max(‖W‖, ε)/‖G/m‖ for a clipped unit,
  ;; 1 and 1 for the others (G exactly); keep is all ones, or 0 for a non-finite unit that is zeroed.
  (func (export "agcColumnScale")
    (param $g i32) (param $out i32) (param $rows i32) (param $cols i32) (param $div i32) (param $mul i32)
    (param $keep i32)
    (local $c i32) (local $r i32) (local $vecCols i32) (local $at i32)
    (local.set $vecCols (i32.and (local.get $cols) (i32.const -4)))
    (block $rowsDone
      (br_if $rowsDone (i32.eqz (local.get $rows)))
      (loop $rowsLoop
        (local.set $c (i32.const 0))
        (block $vecDone
          (br_if $vecDone (i32.ge_u (local.get $c) (local.get $vecCols)))
          (loop $vec
            (local.set $at (i32.shl (local.get $c) (i32.const 2)))
            (v128.store (local.get $out)
              (v128.and
                (f32x4.mul (f32x4.div (v128.load (local.get $g)) (v128.load (i32.add (local.get $div) (local.get $at))))
                           (v128.load (i32.add (local.get $mul) (local.get $at))))
                (v128.load (i32.add (local.get $keep) (local.get $at)))))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (local.set $out (i32.add (local.get $out) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br_if $vec (i32.lt_u (local.get $c) (local.get $vecCols)))))
        (block $tailDone
          (br_if $tailDone (i32.ge_u (local.get $c) (local.get $cols)))
          (loop $tail
            (local.set $at (i32.shl (local.get $c) (i32.const 2)))
            (i32.store (local.get $out)
              (i32.and
                (i32.reinterpret_f32
                  (f32.mul (f32.div (f32.load (local.get $g)) (f32.load (i32.add (local.get $div) (local.get $at))))
                           (f32.load (i32.add (local.get $mul) (local.get $at)))))
                (i32.load (i32.add (local.get $keep) (local.get $at)))))
            (local.set $g (i32.add (local.get $g) (i32.const 4)))
            (local.set $out (i32.add (local.get $out) (i32.const 4)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br_if $tail (i32.lt_u (local.get $c) (local.get $cols)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $rowsLoop (i32.lt_u (local.get $r) (local.get $rows))))))

  ;; SGD with momentum on n elements, the tfjs ops' order and roundings: d = g + w·wd (only when wd ≠ 0),
  ;; v' = v·μ + d, step = d + v'·μ (Nesterov) or v', w' = w − step·lr. Writes w' and v' (new buffers: a tfjs
  ;; variable's data may be shared by a clone, so it is never written in place).
  (func (export "sgdUpdate")
    (param $w i32) (param $g i32) (param $v i32) (param $wOut i32) (param $vOut i32) (param $n i32)
    (param $wd f32) (param $mu f32) (param $lr f32) (param $nesterov i32)
    (local $end i32) (local $vecEnd i32) (local $d v128) (local $nv v128) (local $st v128)
    (local $ds f32) (local $nvs f32) (local $sts f32)
    (local.set $end (i32.add (local.get $w) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vecEnd (i32.add (local.get $w) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vecDone
      (br_if $vecDone (i32.ge_u (local.get $w) (local.get $vecEnd)))
      (loop $vec
        (local.set $d (v128.load (local.get $g)))
        (if (f32.ne (local.get $wd) (f32.const 0))
          (then (local.set $d (f32x4.add (local.get $d)
                  (f32x4.mul (v128.load (local.get $w)) (f32x4.splat (local.get $wd)))))))
        (local.set $nv (f32x4.add (f32x4.mul (v128.load (local.get $v)) (f32x4.splat (local.get $mu))) (local.get $d)))
        (v128.store (local.get $vOut) (local.get $nv))
        (local.set $st (local.get $nv))
        (if (local.get $nesterov)
          (then (local.set $st (f32x4.add (local.get $d) (f32x4.mul (local.get $nv) (f32x4.splat (local.get $mu)))))))
        (v128.store (local.get $wOut)
          (f32x4.sub (v128.load (local.get $w)) (f32x4.mul (local.get $st) (f32x4.splat (local.get $lr)))))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (local.set $wOut (i32.add (local.get $wOut) (i32.const 16)))
        (local.set $vOut (i32.add (local.get $vOut) (i32.const 16)))
        (br_if $vec (i32.lt_u (local.get $w) (local.get $vecEnd)))))
    (block $tailDone
      (br_if $tailDone (i32.ge_u (local.get $w) (local.get $end)))
      (loop $tail
        (local.set $ds (f32.load (local.get $g)))
        (if (f32.ne (local.get $wd) (f32.const 0))
          (then (local.set $ds (f32.add (local.get $ds) (f32.mul (f32.load (local.get $w)) (local.get $wd))))))
        (local.set $nvs (f32.add (f32.mul (f32.load (local.get $v)) (local.get $mu)) (local.get $ds)))
        (f32.store (local.get $vOut) (local.get $nvs))
        (local.set $sts (local.get $nvs))
        (if (local.get $nesterov)
          (then (local.set $sts (f32.add (local.get $ds) (f32.mul (local.get $nvs) (local.get $mu))))))
        (f32.store (local.get $wOut) (f32.sub (f32.load (local.get $w)) (f32.mul (local.get $sts) (local.get $lr))))
        (local.set $w (i32.add (local.get $w) (i32.const 4)))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (local.set $v (i32.add (local.get $v) (i32.const 4)))
        (local.set $wOut (i32.add (local.get $wOut) (i32.const 4)))
        (local.set $vOut (i32.add (local.get $vOut) (i32.const 4)))
        (br_if $tail (i32.lt_u (local.get $w) (local.get $end))))))
  ;; Adam (and AdamW) on n elements, the tfjs ops' order and roundings (optim/adam.ts): d = g + w·wd (only when
  ;; wd ≠ 0: L2), m' = m·β1 + d·c1, v' = v·β2 + (d·d)·c2 (c = 1 − β), w' = w·keep − (m' / (√v' / bc2 + ε))·stepSize
  ;; (keep = 1 − lr·wd for AdamW's decoupled decay, else 1: w·1 is w exactly). Writes w', m', v' (new buffers).
  (func $adamStep (param $w v128) (param $g v128) (param $m v128) (param $v v128)
    (param $wd f32) (param $keep f32) (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
    (param $bc2 f32) (param $eps f32) (param $stepSize f32) (param $out i32)
    (local $d v128) (local $nm v128) (local $nv v128)
    (local.set $d (local.get $g))
    (if (f32.ne (local.get $wd) (f32.const 0))
      (then (local.set $d (f32x4.add (local.get $d) (f32x4.mul (local.get $w) (f32x4.splat (local.get $wd)))))))
    (local.set $nm (f32x4.add (f32x4.mul (local.get $m) (f32x4.splat (local.get $b1)))
                              (f32x4.mul (local.get $d) (f32x4.splat (local.get $c1)))))
    (local.set $nv (f32x4.add (f32x4.mul (local.get $v) (f32x4.splat (local.get $b2)))
                              (f32x4.mul (f32x4.mul (local.get $d) (local.get $d)) (f32x4.splat (local.get $c2)))))
    (v128.store offset=16 (local.get $out) (local.get $nm))
    (v128.store offset=32 (local.get $out) (local.get $nv))
    (v128.store (local.get $out)
      (f32x4.sub (f32x4.mul (local.get $w) (f32x4.splat (local.get $keep)))
        (f32x4.mul
          (f32x4.div (local.get $nm)
            (f32x4.add (f32x4.div (f32x4.sqrt (local.get $nv)) (f32x4.splat (local.get $bc2))) (f32x4.splat (local.get $eps))))
          (f32x4.splat (local.get $stepSize))))))

  ;; Runs $adamStep over n elements: 4 at a time, then the last n mod 4 through a 48-byte staging area at $stage
  ;; (lanes past the end are zeros, computed and dropped), so the arithmetic is written once.
  (func (export "adamUpdate")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $wOut i32) (param $mOut i32) (param $vOut i32)
    (param $n i32) (param $stage i32)
    (param $wd f32) (param $keep f32) (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
    (param $bc2 f32) (param $eps f32) (param $stepSize f32)
    (local $i i32) (local $vecEnd i32) (local $rest i32)
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $vecDone
      (br_if $vecDone (i32.ge_u (local.get $i) (local.get $vecEnd)))
      (loop $vec
        (call $adamStep
          (v128.load (i32.add (local.get $w) (local.get $i))) (v128.load (i32.add (local.get $g) (local.get $i)))
          (v128.load (i32.add (local.get $m) (local.get $i))) (v128.load (i32.add (local.get $v) (local.get $i)))
          (local.get $wd) (local.get $keep) (local.get $b1) (local.get $c1) (local.get $b2) (local.get $c2)
          (local.get $bc2) (local.get $eps) (local.get $stepSize) (local.get $stage))
        (v128.store (i32.add (local.get $wOut) (local.get $i)) (v128.load (local.get $stage)))
        (v128.store (i32.add (local.get $mOut) (local.get $i)) (v128.load offset=16 (local.get $stage)))
        (v128.store (i32.add (local.get $vOut) (local.get $i)) (v128.load offset=32 (local.get $stage)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $vec (i32.lt_u (local.get $i) (local.get $vecEnd)))))
    (local.set $rest (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2)))
    (if (local.get $rest)
      (then
        ;; Staging: w, g, m, v tails at stage+48.., zero-padded to 4 lanes.
        (memory.fill (i32.add (local.get $stage) (i32.const 48)) (i32.const 0) (i32.const 64))
        (memory.copy (i32.add (local.get $stage) (i32.const 48)) (i32.add (local.get $w) (local.get $i)) (local.get $rest))
        (memory.copy (i32.add (local.get $stage) (i32.const 64)) (i32.add (local.get $g) (local.get $i)) (local.get $rest))
        (memory.copy (i32.add (local.get $stage) (i32.const 80)) (i32.add (local.get $m) (local.get $i)) (local.get $rest))
        (memory.copy (i32.add (local.get $stage) (i32.const 96)) (i32.add (local.get $v) (local.get $i)) (local.get $rest))
        (call $adamStep
          (v128.load offset=48 (local.get $stage)) (v128.load offset=64 (local.get $stage))
          (v128.load offset=80 (local.get $stage)) (v128.load offset=96 (local.get $stage))
          (local.get $wd) (local.get $keep) (local.get $b1) (local.get $c1) (local.get $b2) (local.get $c2)
          (local.get $bc2) (local.get $eps) (local.get $stepSize) (local.get $stage))
        (memory.copy (i32.add (local.get $wOut) (local.get $i)) (local.get $stage) (local.get $rest))
        (memory.copy (i32.add (local.get $mOut) (local.get $i)) (i32.add (local.get $stage) (i32.const 16)) (local.get $rest))
        (memory.copy (i32.add (local.get $vOut) (local.get $i)) (i32.add (local.get $stage) (i32.const 32)) (local.get $rest)))))
  ;; LARS's update on n elements, the tfjs ops' order and roundings (optim/lars.ts): d = g + w·wd (only when
  ;; wd ≠ 0), v' = v·μ + d·rate, w' = w − v' (rate = lr, times the trust ratio for adapted weights). Writes w', v'.
  (func (export "larsUpdate")
    (param $w i32) (param $g i32) (param $v i32) (param $wOut i32) (param $vOut i32) (param $n i32)
    (param $wd f32) (param $mu f32) (param $rate f32)
    (local $end i32) (local $vecEnd i32) (local $d v128) (local $nv v128) (local $ds f32) (local $nvs f32)
    (local.set $end (i32.add (local.get $w) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vecEnd (i32.add (local.get $w) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vecDone
      (br_if $vecDone (i32.ge_u (local.get $w) (local.get $vecEnd)))
      (loop $vec
        (local.set $d (v128.load (local.get $g)))
        (if (f32.ne (local.get $wd) (f32.const 0))
          (then (local.set $d (f32x4.add (local.get $d)
                  (f32x4.mul (v128.load (local.get $w)) (f32x4.splat (local.get $wd)))))))
        (local.set $nv (f32x4.add (f32x4.mul (v128.load (local.get $v)) (f32x4.splat (local.get $mu)))
                                  (f32x4.mul (local.get $d) (f32x4.splat (local.get $rate)))))
        (v128.store (local.get $vOut) (local.get $nv))
        (v128.store (local.get $wOut) (f32x4.sub (v128.load (local.get $w)) (local.get $nv)))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (local.set $wOut (i32.add (local.get $wOut) (i32.const 16)))
        (local.set $vOut (i32.add (local.get $vOut) (i32.const 16)))
        (br_if $vec (i32.lt_u (local.get $w) (local.get $vecEnd)))))
    (block $tailDone
      (br_if $tailDone (i32.ge_u (local.get $w) (local.get $end)))
      (loop $tail
        (local.set $ds (f32.load (local.get $g)))
        (if (f32.ne (local.get $wd) (f32.const 0))
          (then (local.set $ds (f32.add (local.get $ds) (f32.mul (f32.load (local.get $w)) (local.get $wd))))))
        (local.set $nvs (f32.add (f32.mul (f32.load (local.get $v)) (local.get $mu)) (f32.mul (local.get $ds) (local.get $rate))))
        (f32.store (local.get $vOut) (local.get $nvs))
        (f32.store (local.get $wOut) (f32.sub (f32.load (local.get $w)) (local.get $nvs)))
        (local.set $w (i32.add (local.get $w) (i32.const 4)))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (local.set $v (i32.add (local.get $v) (i32.const 4)))
        (local.set $wOut (i32.add (local.get $wOut) (i32.const 4)))
        (local.set $vOut (i32.add (local.get $vOut) (i32.const 4)))
        (br_if $tail (i32.lt_u (local.get $w) (local.get $end))))))
  ;; ---- end agcfast ----
)
