// Winograd F(2x2, 3x3) and F(4x4, 3x3) int8 convolution step of the oneDNN executor (u8 source, s8 weights).
//
// Why: without VNNI (AVX2), oneDNN's int8 direct convs need vpmaddubsw + vpmaddwd + vpaddd per 32
// multiply-adds and run ResNet-18 CIFAR int8 only ~1.9x faster than our fp32. Winograd needs 16 (F(2x2))
// or 36 (F(4x4)) instead of 36 or 144 products per output tile and channel pair; the products run as
// int16 x int16 -> int32 (vpmaddwd, or vpdpwssd with AVX-512 VNNI, where F(4x4) beat oneDNN's VNNI direct
// kernel on ResNet-18 CIFAR's 32x32 and 16x16 convs) on transformed values, in L2-sized blocks of tiles.
// Exactness (the integer result equals the direct conv's accumulator acc, so outputs equal oneDNN's direct
// path bit for bit): all transforms are integer. F(2x2): |V| = |B^T d B| <= 4*127, U = (2G) g (2G)^T with
// |U| <= 9*127 (8-bit weights); the output transform gives 4*acc. F(4x4): |V| <= 100*127 = 12700,
// G = D G'' with integer G'' (|U| <= 49*127 = 6223 for 8-bit weights) and 24 A^T D integer, so the output
// transform gives 576*acc. Everything fits int16 and each vpmaddwd pair fits int32 (ncnn's 6-bit rule is
// not needed for that). The int32 sums wrap modulo 2^32: F(2x2) recovers acc = (4 acc) >> 2 when
// |4 acc| < 2^31; F(4x4) recovers acc mod 2^26 (576 = 64 * 9: shift, times 9^-1 mod 2^26) and so acc
// itself when |acc| < 2^25. The builder checks the bound from the weights (|acc| <= 127 * sum|w| per output
// channel; always true for 6-bit weights up to 512 input channels: 127 * 31 * 9 * 512 < 2^25).
// Epilogue: int8_conv_epilogue.h.
#pragma once
#include <cstdint>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/tensor.h"
#include "ir/attrs.h"
#include "runtime/onednn/int8_conv_epilogue.h"
#include "runtime/onednn/steps.h"

namespace qd::runtime::onednn {

// Sizes of one int8 Winograd conv: u8 nhwc [N, H, W, C] -> nhwc [N, OH, OW, OC] in tile x tile output
// tiles (2: F(2x2, 3x3), 16 positions; 4: F(4x4, 3x3), 36 positions). Channels are padded (with zeros) to
// multiples of 16 in the transformed buffers.
struct WinogradInt8Shape {
  int64_t N = 0, C = 0, H = 0, W = 0, OC = 0, OH = 0, OW = 0;
  int pad_top = 0, pad_left = 0;
  int tile = 2;
  bool vnni = false;  // products with vpdpwssd (winograd_int8_vnni_available())
  int64_t positions() const { return (tile + 2) * (tile + 2); }
  int64_t tiles_h() const { return (OH + tile - 1) / tile; }
  int64_t tiles_w() const { return (OW + tile - 1) / tile; }
  int64_t tiles() const { return N * tiles_h() * tiles_w(); }
  int64_t c_padded() const { return (C + 15) / 16 * 16; }
  int64_t oc_padded() const { return (OC + 15) / 16 * 16; }
  // Tiles are processed in blocks of tile_block (transforms and products of one block stay in the L2
  // cache), split between the threads; each thread's block uses that thread's scratch: V
  // [positions][tile_block][Cp], M [tile_block][positions][OCp]. Each position's row is padded by one cache
  // line: a tile's transform writes (and its output transform reads) 16 or 36 vectors one position apart,
  // and at a power-of-two stride (32 tiles x 64 channels = 4 KB, the 2-thread block of a 32x32 conv) they
  // all fall in one L1 set and evict each other (the input transform ran 2.5x slower per tile).
  int64_t tile_block = 1;
  int threads = 1;
  int64_t blocks() const { return (tiles() + tile_block - 1) / tile_block; }
  int64_t v_position_stride() const { return tile_block * c_padded() + 32; }  // int16 elements
  int64_t m_position_stride() const { return oc_padded() + 16; }              // int32 elements
  int64_t v_thread_elements() const { return positions() * v_position_stride(); }
  int64_t m_thread_elements() const { return tile_block * positions() * m_position_stride(); }
  size_t v_bytes() const { return static_cast<size_t>(threads * v_thread_elements()) * sizeof(int16_t); }
  size_t m_bytes() const { return static_cast<size_t>(threads * m_thread_elements()) * sizeof(int32_t); }
};

// Sets tile_block and threads of s for this thread count: about 512 KB of V and M per block, at least one
// block per thread when there are enough tiles.
void winograd_int8_plan(WinogradInt8Shape& s, int threads);

// True when the machine has AVX2 and the conv is 3x3, stride 1, dilation 1, one group, and every fused
// activation is Relu / LeakyRelu / Clip.
bool winograd_int8_supported(const ir::ConvAttrs& a, const Shape& weight_shape,
                             const std::vector<ir::FusedActivation>& activations);

// True when the CPU has AVX-512 VNNI (with VL) for WinogradInt8Shape::vnni.
bool winograd_int8_vnni_available();

// True when the tile's exactness bound holds for every u8 input <= 127 with these s8 weights [OC, C, 3, 3]
// (see above: |acc| <= 127 * sum|w| of each output channel).
bool winograd_int8_exact(const Tensor& qw, int tile);

// Integer kernel transforms of s8 weights [OC, C, 3, 3] as int16, packed for the GEMM:
// [positions][OCp/16][Cp/2][16 oc][2 c] (zeros in the padding).
AlignedArray<int16_t> winograd_int8_weights(const Tensor& qw, int tile, int64_t c_padded, int64_t oc_padded);

// The exact int32 accumulators of the conv (no bias, no scale) written as nhwc [N, OH, OW, OC]; src is u8
// nhwc. For tests against the reference integer conv.
void winograd_int8_accumulate(const WinogradInt8Shape& s, const uint8_t* src, const int16_t* u, int16_t* v,
                              int32_t* m, int32_t* acc);

class WinogradInt8ConvStep : public Step {
 public:
  // src: u8 nhwc; dst: nhwc of epilogue.dst's type; v_buffer / m_buffer: v_bytes / m_bytes scratch.
  WinogradInt8ConvStep(WinogradInt8Shape shape, int src, int dst, int v_buffer, int m_buffer,
                       AlignedArray<int16_t> u, Int8ConvEpilogue epilogue)
      : s_(shape),
        src_(src),
        dst_(dst),
        v_(v_buffer),
        m_(m_buffer),
        u_(std::move(u)),
        epilogue_(std::move(epilogue)) {}
  void execute(RunContext& ctx) override;
  int tile() const { return s_.tile; }

 private:
  WinogradInt8Shape s_;
  int src_, dst_, v_, m_;
  AlignedArray<int16_t> u_;
  Int8ConvEpilogue epilogue_;
};

}  // namespace qd::runtime::onednn
