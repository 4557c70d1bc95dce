#include "runtime/onednn/signed_int8_depthwise.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "runtime/cpu_isa.h"
#include "runtime/onednn/int16_source.h"
#include "runtime/onednn/signed_int8_conv.h"

namespace qd::runtime::onednn {

namespace {

#define QD_AVX2_DW8 __attribute__((target("avx2,fma")))

// Output pixels per kernel pass: 4 pixels x 16 channels are 8 int32 accumulator registers.
constexpr int kDwPixels = 4;

// MR output pixels from pixel p (window starts px[m] in the padded source, tap offsets tap[t]), every block
// of 16 channels. vpunpcklwd/hwd interleave two taps per channel within each 128-bit lane: lo holds channels
// 0-3 and 8-11 of the block, hi 4-7 and 12-15; the accumulators are put back in channel order at the end.
// E: the epilogue of full blocks of 16 channels.
template <int MR, Int8Epilogue16 E>
QD_AVX2_DW8 void depthwise_pixels_int8(const SignedInt8DepthwiseShape& s, const int16_t* const* px,
                                       const int64_t* tap, const int16_t* w, int64_t p,
                                       const Int8ConvEpilogue& e, const Int8Epilogue16Plan& plan,
                                       Int8EpilogueKind kind, void* dst, int32_t* acc_out) {
  const int taps = s.kh * s.kw;
  const int64_t pairs = s.tap_pairs(), CB = s.c_padded() / 16;
  for (int64_t cb = 0; cb < CB; ++cb, w += pairs * 32) {
    __m256i lo[MR], hi[MR];
#pragma GCC unroll 8
    for (int m = 0; m < MR; ++m) lo[m] = hi[m] = _mm256_setzero_si256();
    for (int64_t j = 0; j < pairs; ++j) {
      const __m256i wl = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + j * 32));
      const __m256i wh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + j * 32 + 16));
      const int64_t t0 = tap[2 * j], t1 = 2 * j + 1 < taps ? tap[2 * j + 1] : t0;  // zero weights then
#pragma GCC unroll 8
      for (int m = 0; m < MR; ++m) {
        const int16_t* c = px[m] + cb * 16;
        const __m256i xa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c + t0));
        const __m256i xb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c + t1));
        lo[m] = _mm256_add_epi32(lo[m], _mm256_madd_epi16(_mm256_unpacklo_epi16(xa, xb), wl));
        hi[m] = _mm256_add_epi32(hi[m], _mm256_madd_epi16(_mm256_unpackhi_epi16(xa, xb), wh));
      }
    }
    const int64_t c0 = cb * 16;
    // Unrolled so that lo/hi stay in registers: indexed by a run-time m here, GCC kept them on the stack and
    // stored to them in the tap loop above (the kernel 12-15% slower).
#pragma GCC unroll 8
    for (int m = 0; m < MR; ++m) {
      const __m256i a0 = _mm256_permute2x128_si256(lo[m], hi[m], 0x20);  // channels 0-7
      const __m256i a1 = _mm256_permute2x128_si256(lo[m], hi[m], 0x31);  // channels 8-15
      const int64_t off = (p + m) * s.C + c0;
      if (!acc_out && c0 + 16 <= s.C) {
        int8_epilogue16<E>(e, plan, a0, a1, c0, dst, off);
        continue;
      }
      alignas(32) int32_t acc[16];
      _mm256_store_si256(reinterpret_cast<__m256i*>(acc), a0);
      _mm256_store_si256(reinterpret_cast<__m256i*>(acc + 8), a1);
      for (int h = 0; h < 2; ++h) {
        if (c0 + h * 8 >= s.C) break;
        const int lanes = static_cast<int>(std::min<int64_t>(8, s.C - c0 - h * 8));
        if (acc_out)
          std::memcpy(acc_out + off + h * 8, acc + h * 8, sizeof(int32_t) * static_cast<size_t>(lanes));
        else
          int8_epilogue_store(e, kind, _mm256_load_si256(reinterpret_cast<const __m256i*>(acc + h * 8)),
                              c0 + h * 8, dst, off + h * 8, lanes);
      }
    }
  }
}

using DwPixelsKernel = void (*)(const SignedInt8DepthwiseShape&, const int16_t* const*, const int64_t*,
                                const int16_t*, int64_t, const Int8ConvEpilogue&, const Int8Epilogue16Plan&,
                                Int8EpilogueKind, void*, int32_t*);

template <Int8Epilogue16 E>
DwPixelsKernel dw_pixels_kernel_for(int mr) {
  switch (mr) {
    case 4:
      return depthwise_pixels_int8<4, E>;
    case 3:
      return depthwise_pixels_int8<3, E>;
    case 2:
      return depthwise_pixels_int8<2, E>;
    default:
      return depthwise_pixels_int8<1, E>;
  }
}

DwPixelsKernel dw_pixels_kernel_for(int mr, Int8Epilogue16 e) {
  return with_int8_epilogue16(e, [mr]<Int8Epilogue16 K>() { return dw_pixels_kernel_for<K>(mr); });
}

// Rows [r0, r1) (over n and the padded row) of the zero-padded int16 copy [N, PH, PW, Cp] of the s8 (u8)
// nhwc source; the threads split the rows (one thread widening the whole source made the 112x112x32 conv
// hardly faster at two threads than at one: 174 vs 197 us; 120 split). Only the padding is zeroed (the whole
// buffer first doubled the bytes written: 408 KB for a 112x112x16 source).
QD_AVX2_DW8 void pad_source_dw_int16(const SignedInt8DepthwiseShape& s, const int8_t* src, int16_t* padded,
                                     int64_t r0, int64_t r1) {
  const int64_t PH = s.padded_h(), PW = s.padded_w(), Cp = s.c_padded(), C = s.C;
  const int64_t x0 = std::min<int64_t>(PW, std::max<int64_t>(0, s.pad_left)),
                x1 = std::max<int64_t>(x0, std::min<int64_t>(PW, s.W + s.pad_left));
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / PH, py = r % PH;
    int16_t* row = padded + r * PW * Cp;
    const int64_t y = py - s.pad_top;
    if (y < 0 || y >= s.H) {
      std::memset(row, 0, static_cast<size_t>(PW * Cp) * sizeof(int16_t));
      continue;
    }
    std::memset(row, 0, static_cast<size_t>(x0 * Cp) * sizeof(int16_t));
    std::memset(row + x1 * Cp, 0, static_cast<size_t>((PW - x1) * Cp) * sizeof(int16_t));
    if (C == Cp) {
      // No channel padding: the row's pixels are one contiguous span in both buffers (pixel by pixel, the
      // loop overhead took as long as the widening at 16 channels).
      widen_int8_span(src + ((n * s.H + y) * s.W + x0 - s.pad_left) * C, row + x0 * Cp, (x1 - x0) * C,
                      s.u8_source);
      continue;
    }
    for (int64_t px = x0; px < x1; ++px) {
      int16_t* out = row + px * Cp;
      widen_int8_span(src + ((n * s.H + y) * s.W + px - s.pad_left) * C, out, C, s.u8_source);
      std::fill(out + C, out + Cp, int16_t{0});
    }
  }
}

void run_pixels_dw_int8(const SignedInt8DepthwiseShape& s, const int16_t* padded, const int64_t* window,
                        const int64_t* tap, const AlignedArray<int16_t>& w, int64_t p0, int64_t p1, void* dst,
                        const Int8ConvEpilogue& e, const Int8Epilogue16Plan& plan, int32_t* acc_out) {
  const Int8EpilogueKind kind = int8_epilogue_kind(e);
  for (int64_t p = p0; p < p1; p += kDwPixels) {
    const int mr = static_cast<int>(std::min<int64_t>(kDwPixels, p1 - p));
    const int16_t* px[kDwPixels];
    for (int m = 0; m < mr; ++m) px[m] = padded + window[p + m];
    dw_pixels_kernel_for(mr, plan.kind)(s, px, tap, w.data(), p, e, plan, kind, dst, acc_out);
  }
}

// The parallel loop lives in this plain function (no OpenMP inside target-attribute functions). window:
// signed_int8_depthwise_windows(s), made once per step (serial work that a second thread did not share).
void run_signed_int8_depthwise(const SignedInt8DepthwiseShape& s, const int64_t* window, const int8_t* src,
                               const AlignedArray<int16_t>& w, uint8_t* scratch, void* dst,
                               const Int8ConvEpilogue& e, const Int8Epilogue16Plan& plan, int32_t* acc_out) {
  int16_t* padded = reinterpret_cast<int16_t*>(scratch);
  const int64_t PH = s.padded_h(), PW = s.padded_w(), Cp = s.c_padded(), M = s.N * s.OH * s.OW;
  const int64_t rows = s.N * PH, row_chunk = 4, row_chunks = (rows + row_chunk - 1) / row_chunk;
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < row_chunks; ++b)
    pad_source_dw_int16(s, src, padded, b * row_chunk, std::min(rows, (b + 1) * row_chunk));
  std::vector<int64_t> tap;
  for (int ky = 0; ky < s.kh; ++ky)
    for (int kx = 0; kx < s.kw; ++kx) tap.push_back((ky * PW + kx) * Cp);
  const int64_t chunk = 8 * kDwPixels, chunks = (M + chunk - 1) / chunk;
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < chunks; ++b)
    run_pixels_dw_int8(s, padded, window, tap.data(), w, b * chunk, std::min(M, (b + 1) * chunk), dst, e,
                       plan, acc_out);
}

}  // namespace

AlignedArray<int16_t> signed_int8_depthwise_weights(const Tensor& qw) {
  const int64_t C = qw.dim(0), taps = qw.dim(2) * qw.dim(3), Cp = (C + 15) / 16 * 16, pairs = (taps + 1) / 2;
  AlignedArray<int16_t> packed(static_cast<size_t>(Cp / 16 * pairs * 32));
  const int8_t* wd = qw.data<int8_t>();
  for (int64_t c = 0; c < C; ++c) {
    // Within a block: channels 0-3 (lo, 128-bit lane 0), 4-7 (hi, lane 0), 8-11 (lo, lane 1), 12-15 (hi,
    // lane 1); each channel's two taps side by side.
    const int64_t i = c % 16, half = (i / 4) % 2, lane = i / 8, pos = lane * 8 + (i % 4) * 2;
    for (int64_t j = 0; j < pairs; ++j) {
      int16_t* dst = packed.data() + ((c / 16) * pairs + j) * 32 + half * 16 + pos;
      dst[0] = wd[c * taps + 2 * j];
      if (2 * j + 1 < taps) dst[1] = wd[c * taps + 2 * j + 1];
    }
  }
  return packed;
}

bool signed_int8_depthwise_supported(const ir::ConvAttrs& a, const Shape& x_shape, const Shape& weight_shape,
                                     const std::vector<ir::FusedActivation>& activations) {
  if (!cpu_has_avx2() || x_shape.size() != 4 || weight_shape.size() != 4) return false;
  if (a.group <= 1 || a.group != x_shape[1] || weight_shape[0] != x_shape[1] || weight_shape[1] != 1)
    return false;
  if (a.dilation_h != 1 || a.dilation_w != 1 || a.stride_h < 1 || a.stride_w < 1) return false;
  for (const auto& act : activations)
    if (!signed_int8_activation_supported(act)) return false;
  return true;
}

std::vector<int64_t> signed_int8_depthwise_windows(const SignedInt8DepthwiseShape& s) {
  return int16_source_windows(s.N, s.OH, s.OW, s.padded_h(), s.padded_w(), s.stride_h, s.stride_w,
                              s.c_padded());
}

void signed_int8_depthwise_accumulate(const SignedInt8DepthwiseShape& s, const int8_t* src,
                                      const AlignedArray<int16_t>& w, uint8_t* scratch, int32_t* acc) {
  Int8ConvEpilogue none;
  run_signed_int8_depthwise(s, signed_int8_depthwise_windows(s).data(), src, w, scratch, nullptr, none,
                            Int8Epilogue16Plan{}, acc);
}

void signed_int8_depthwise_convolve(const SignedInt8DepthwiseShape& s, const int8_t* src,
                                    const AlignedArray<int16_t>& w, uint8_t* scratch, void* dst,
                                    const Int8ConvEpilogue& e, bool general_epilogue) {
  run_signed_int8_depthwise(s, signed_int8_depthwise_windows(s).data(), src, w, scratch, dst, e,
                            general_epilogue ? Int8Epilogue16Plan{} : int8_epilogue16_plan(e), nullptr);
}

void SignedInt8DepthwiseStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  const std::vector<void*>& b = *ctx.buffers;
  run_signed_int8_depthwise(s_, window_.data(), static_cast<const int8_t*>(b[src_]), w_,
                            static_cast<uint8_t*>(b[scratch_]), b[dst_], epilogue_, plan_, nullptr);
}

}  // namespace qd::runtime::onednn
