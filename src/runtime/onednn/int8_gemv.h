// Int8 inner product of one row (batch 1 Gemm/Linear: y = x W^T) for machines without VNNI.
//
// Why: there oneDNN 2.6 runs int8 inner products through gemm_s8u8s32, which packs the whole weight
// matrix on every call: MobileNetV3-Large's 960 -> 1280 classifier layer took 0.2-0.37 ms, slower than the
// fp32 gemm reading four times the bytes. A signed source also needed two such products (u8 halves). Here
// the source (u8 or s8) is widened to int16 once, the s8 weights are read once in their packed order and
// widened in registers, and vpmaddwd forms exact int16 pair sums in int32 for any int8 values. Epilogue:
// int8_conv_epilogue.h (dequantize, bias, activations, f32 or requantized int8).
#pragma once
#include <cstdint>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/tensor.h"
#include "runtime/onednn/int8_conv_epilogue.h"
#include "runtime/onednn/steps.h"

namespace qd::runtime::onednn {

// Sizes of one product y[N] = x[K] W^T: K rounded up to pairs, N to blocks of 8 columns.
struct Int8GemvShape {
  int64_t K = 0, N = 0;
  bool src_unsigned = false;  // u8 source, else s8
  int64_t k_pairs() const { return (K + 1) / 2; }
  int64_t n_padded() const { return (N + 7) / 8 * 8; }
  size_t scratch_bytes() const { return static_cast<size_t>(2 * k_pairs()) * sizeof(int16_t); }
};

// s8 weights [N, K] packed for the kernel: [Np/8][K/2 pairs][8 columns][2] (zeros in the padding).
AlignedArray<int8_t> int8_gemv_weights(const Tensor& qw);

// True when the machine has AVX2 and every activation is one the epilogue computes.
bool int8_gemv_supported(const std::vector<ir::FusedActivation>& activations);

// The exact int32 sums y[n] = sum_k x[k] w[n][k] (x: K u8 or s8 values; scratch: scratch_bytes()). For
// tests against the reference integer product.
void int8_gemv_accumulate(const Int8GemvShape& s, const void* x, const AlignedArray<int8_t>& w,
                          uint8_t* scratch, int32_t* acc);

class Int8GemvStep : public Step {
 public:
  // src: K u8/s8 values; dst: N values of epilogue.dst's type; scratch: scratch_bytes().
  Int8GemvStep(Int8GemvShape shape, int src, int dst, int scratch, AlignedArray<int8_t> w,
               Int8ConvEpilogue epilogue)
      : s_(shape),
        src_(src),
        dst_(dst),
        scratch_(scratch),
        w_(std::move(w)),
        epilogue_(std::move(epilogue)) {}
  void execute(RunContext& ctx) override;

 private:
  Int8GemvShape s_;
  int src_, dst_, scratch_;
  AlignedArray<int8_t> w_;
  Int8ConvEpilogue epilogue_;
};

}  // namespace qd::runtime::onednn
