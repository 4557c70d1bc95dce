#include "runtime/onednn/int8_gemv.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "runtime/cpu_isa.h"
#include "runtime/onednn/int16_source.h"
#include "runtime/onednn/signed_int8_conv.h"

namespace qd::runtime::onednn {

namespace {

#define QD_AVX2_GEMV __attribute__((target("avx2,fma")))

// Blocks of 8 columns per kernel pass: 4 accumulators share each broadcast source pair.
constexpr int kBlocks = 4;

// The int32 sums of column blocks [b0, b0 + NB) over all K pairs; x16: the widened source.
template <int NB>
QD_AVX2_GEMV void gemv_blocks(const Int8GemvShape& s, const int16_t* x16, const int8_t* w, int64_t b0,
                              const Int8ConvEpilogue& e, void* dst, int32_t* acc_out) {
  const int64_t pairs = s.k_pairs();
  __m256i a[NB];
  const int8_t* wb[NB];
#pragma GCC unroll 4
  for (int b = 0; b < NB; ++b) {
    a[b] = _mm256_setzero_si256();
    wb[b] = w + (b0 + b) * pairs * 16;
  }
  for (int64_t q = 0; q < pairs; ++q) {
    int32_t pair;
    std::memcpy(&pair, x16 + 2 * q, sizeof pair);
    const __m256i xb = _mm256_set1_epi32(pair);
#pragma GCC unroll 4
    for (int b = 0; b < NB; ++b) {
      const __m256i w16 =
          _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wb[b] + q * 16)));
      a[b] = _mm256_add_epi32(a[b], _mm256_madd_epi16(xb, w16));
    }
  }
  for (int b = 0; b < NB; ++b) {
    const int64_t n0 = (b0 + b) * 8;
    const int lanes = static_cast<int>(std::min<int64_t>(8, s.N - n0));
    if (acc_out) {
      alignas(32) int32_t tmp[8];
      _mm256_store_si256(reinterpret_cast<__m256i*>(tmp), a[b]);
      std::memcpy(acc_out + n0, tmp, sizeof(int32_t) * static_cast<size_t>(lanes));
    } else {
      int8_epilogue_apply(e, a[b], n0, dst, n0, lanes);
    }
  }
}

QD_AVX2_GEMV void widen_source(const Int8GemvShape& s, const void* x, int16_t* x16) {
  widen_int8_span(static_cast<const int8_t*>(x), x16, s.K, s.src_unsigned);
  for (int64_t k = s.K; k < 2 * s.k_pairs(); ++k) x16[k] = 0;  // the odd K's last pair meets zero weights
}

// The parallel loop lives in this plain function (no OpenMP inside target-attribute functions).
void run_int8_gemv(const Int8GemvShape& s, const void* x, const AlignedArray<int8_t>& w, uint8_t* scratch,
                   void* dst, const Int8ConvEpilogue& e, int32_t* acc_out) {
  int16_t* x16 = reinterpret_cast<int16_t*>(scratch);
  widen_source(s, x, x16);
  const int64_t blocks = s.n_padded() / 8, passes = (blocks + kBlocks - 1) / kBlocks;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < passes; ++p) {
    const int64_t b0 = p * kBlocks;
    switch (std::min<int64_t>(kBlocks, blocks - b0)) {
      case 4:
        gemv_blocks<4>(s, x16, w.data(), b0, e, dst, acc_out);
        break;
      case 3:
        gemv_blocks<3>(s, x16, w.data(), b0, e, dst, acc_out);
        break;
      case 2:
        gemv_blocks<2>(s, x16, w.data(), b0, e, dst, acc_out);
        break;
      default:
        gemv_blocks<1>(s, x16, w.data(), b0, e, dst, acc_out);
    }
  }
}

}  // namespace

AlignedArray<int8_t> int8_gemv_weights(const Tensor& qw) {
  const int64_t N = qw.dim(0), K = qw.dim(1), pairs = (K + 1) / 2, Np = (N + 7) / 8 * 8;
  AlignedArray<int8_t> packed(static_cast<size_t>(Np / 8 * pairs * 16));
  const int8_t* wd = qw.data<int8_t>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k)
      packed[static_cast<size_t>(((n / 8) * pairs + k / 2) * 16 + (n % 8) * 2 + k % 2)] = wd[n * K + k];
  return packed;
}

bool int8_gemv_supported(const std::vector<ir::FusedActivation>& activations) {
  if (!cpu_has_avx2()) return false;
  for (const auto& act : activations)
    if (!signed_int8_activation_supported(act)) return false;
  return true;
}

void int8_gemv_accumulate(const Int8GemvShape& s, const void* x, const AlignedArray<int8_t>& w,
                          uint8_t* scratch, int32_t* acc) {
  Int8ConvEpilogue none;
  run_int8_gemv(s, x, w, scratch, nullptr, none, acc);
}

void Int8GemvStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  const std::vector<void*>& b = *ctx.buffers;
  run_int8_gemv(s_, b[src_], w_, static_cast<uint8_t*>(b[scratch_]), b[dst_], epilogue_, nullptr);
}

}  // namespace qd::runtime::onednn
