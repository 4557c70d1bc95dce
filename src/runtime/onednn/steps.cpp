#include "runtime/onednn/steps.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "runtime/ref/int8.h"
#include "runtime/ref/run_node.h"

namespace qd::runtime::onednn {

dnnl::memory::desc plain_md(const Shape& shape, dnnl::memory::data_type dt) {
  dnnl::memory::dims dims(shape.begin(), shape.end());
  dnnl::memory::dims strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  if (shape.empty()) return dnnl::memory::desc({1}, dt, dnnl::memory::dims{1});
  return dnnl::memory::desc(dims, dt, strides);
}

dnnl::memory::desc with_type(const dnnl::memory::desc& md, dnnl::memory::data_type dt) {
  dnnl::memory::desc r = md;
  r.data.data_type = static_cast<dnnl_data_type_t>(dt);
  return r;
}

namespace {

// The quantize loops with AVX2 intrinsics when the CPU has them (picked at run time): the baseline
// x86-64 build has no vector trunc, and GCC does not vectorize the clamp anyway. Same arithmetic as
// ref::quantize_value_fast: v = x / step (a true division), trunc, +-1 when the remainder is >= 0.5.
#define QD_AVX2 __attribute__((target("avx2")))

QD_AVX2 inline __m256 quantize8(__m256 x, __m256 step) {
  const __m256 v = _mm256_div_ps(x, step);
  __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256 d = _mm256_sub_ps(v, t);
  const __m256 one = _mm256_set1_ps(1.f);
  t = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(d, _mm256_set1_ps(0.5f), _CMP_GE_OQ), one));
  t = _mm256_sub_ps(t, _mm256_and_ps(_mm256_cmp_ps(d, _mm256_set1_ps(-0.5f), _CMP_LE_OQ), one));
  return _mm256_min_ps(_mm256_max_ps(t, _mm256_set1_ps(-127.f)), _mm256_set1_ps(127.f));
}

// 32 floats -> 32 int8 in order.
QD_AVX2 inline __m256i quantize32(const float* x, __m256 step) {
  const __m256i a = _mm256_cvttps_epi32(quantize8(_mm256_loadu_ps(x), step));
  const __m256i b = _mm256_cvttps_epi32(quantize8(_mm256_loadu_ps(x + 8), step));
  const __m256i c = _mm256_cvttps_epi32(quantize8(_mm256_loadu_ps(x + 16), step));
  const __m256i d = _mm256_cvttps_epi32(quantize8(_mm256_loadu_ps(x + 24), step));
  const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
  return _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

QD_AVX2 int64_t quantize_s8_avx2(const float* x, int8_t* y, int64_t begin, int64_t end, float step) {
  const __m256 s = _mm256_set1_ps(step);
  int64_t i = begin;
  for (; i + 32 <= end; i += 32) _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), quantize32(x + i, s));
  return i;
}

QD_AVX2 int64_t quantize_split_avx2(const float* x, uint8_t* p, uint8_t* n, int64_t begin, int64_t end,
                                    float step) {
  const __m256 s = _mm256_set1_ps(step);
  const __m256i zero = _mm256_setzero_si256();
  int64_t i = begin;
  for (; i + 32 <= end; i += 32) {
    const __m256i q = quantize32(x + i, s);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p + i), _mm256_max_epi8(q, zero));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(n + i), _mm256_max_epi8(_mm256_sub_epi8(zero, q), zero));
  }
  return i;
}

QD_AVX2 int64_t fake_quantize_avx2(const float* x, float* y, int64_t begin, int64_t end, float step) {
  const __m256 s = _mm256_set1_ps(step);
  int64_t i = begin;
  for (; i + 8 <= end; i += 8)
    _mm256_storeu_ps(y + i, _mm256_mul_ps(quantize8(_mm256_loadu_ps(x + i), s), s));
  return i;
}

const bool kHasAvx2 = __builtin_cpu_supports("avx2");

void quantize_s8(const float* x, int8_t* y, int64_t begin, int64_t end, float step) {
  if (kHasAvx2) begin = quantize_s8_avx2(x, y, begin, end, step);
  for (int64_t i = begin; i < end; ++i) y[i] = ref::quantize_value_fast(x[i], step);
}

void quantize_split(const float* x, uint8_t* p, uint8_t* n, int64_t begin, int64_t end, float step) {
  if (kHasAvx2) begin = quantize_split_avx2(x, p, n, begin, end, step);
  for (int64_t i = begin; i < end; ++i) {
    const int q = ref::quantize_value_fast(x[i], step);
    p[i] = static_cast<uint8_t>(q > 0 ? q : 0);
    n[i] = static_cast<uint8_t>(q < 0 ? -q : 0);
  }
}

void fake_quantize(const float* x, float* y, int64_t begin, int64_t end, float step) {
  if (kHasAvx2) begin = fake_quantize_avx2(x, y, begin, end, step);
  for (int64_t i = begin; i < end; ++i)
    y[i] = static_cast<float>(ref::quantize_value_fast(x[i], step)) * step;
}

// Runs f(begin, end) over [0, count) split in contiguous chunks, in parallel only when worth it.
template <typename F>
void for_chunks(int64_t count, F f) {
  constexpr int64_t kMinPerThread = 1 << 15;
  const int threads = static_cast<int>(std::min<int64_t>(omp_get_max_threads(), count / kMinPerThread));
  if (threads <= 1) return f(0, count);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t chunk = (count + nt - 1) / nt / 64 * 64 + 64;
    const int64_t b = std::min<int64_t>(count, t * chunk), e = std::min<int64_t>(count, b + chunk);
    if (b < e) f(b, e);
  }
}

}  // namespace

void QuantizeStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  const float* x = static_cast<const float*>((*ctx.buffers)[src_]);
  const float step = step_;
  if (fake_) {
    float* y = static_cast<float*>((*ctx.buffers)[dst_]);
    for_chunks(count_, [&](int64_t b, int64_t e) { fake_quantize(x, y, b, e, step); });
  } else if (dst_neg_ >= 0) {
    uint8_t* p = static_cast<uint8_t*>((*ctx.buffers)[dst_]);
    uint8_t* n = static_cast<uint8_t*>((*ctx.buffers)[dst_neg_]);
    for_chunks(count_, [&](int64_t b, int64_t e) { quantize_split(x, p, n, b, e, step); });
  } else {
    int8_t* y = static_cast<int8_t*>((*ctx.buffers)[dst_]);
    for_chunks(count_, [&](int64_t b, int64_t e) { quantize_s8(x, y, b, e, step); });
  }
}

void PrimitiveStep::finalize(const dnnl::engine& eng, const std::vector<void*>& buffers) {
  for (auto& [arg, ref] : refs_)
    args_[arg] = ref.buffer >= 0 ? dnnl::memory(ref.md, eng, buffers.at(ref.buffer)) : ref.fixed;
}

void ReferenceStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  std::vector<Tensor> in;
  for (const Input& i : inputs_)
    in.push_back(!i.constant.empty() ? i.constant
                 : i.buffer >= 0     ? Tensor::view(DataType::f32, i.shape, (*ctx.buffers)[i.buffer])
                                     : Tensor());
  std::vector<Tensor> out = ref::run_node(graph_, node_, in, quant_, mode_);
  for (size_t k = 0; k < outputs_.size() && k < out.size(); ++k)
    if (outputs_[k] >= 0 && !out[k].empty())
      std::memcpy((*ctx.buffers)[outputs_[k]], out[k].raw(), out[k].nbytes());
}

TapStep::TapStep(std::string name, Shape shape, MemRef src, const dnnl::engine& eng, float dequant_step)
    : name_(std::move(name)), shape_(std::move(shape)), src_(std::move(src)), plain_(plain_md(shape_)) {
  needs_reorder_ = !(src_.md == plain_);
  dnnl::primitive_attr attr;
  if (dequant_step > 0.f) attr.set_output_scales(0, {dequant_step});
  if (needs_reorder_)
    to_plain_ = dnnl::reorder(dnnl::reorder::primitive_desc(eng, src_.md, eng, plain_, attr));
}

void TapStep::finalize(const dnnl::engine& eng, const std::vector<void*>& buffers) {
  src_mem_ = src_.buffer >= 0 ? dnnl::memory(src_.md, eng, buffers.at(src_.buffer)) : src_.fixed;
}

void TapStep::execute(RunContext& ctx) {
  if (!ctx.tap || !*ctx.tap) return;
  ctx.stream->wait();
  Tensor t(DataType::f32, shape_);
  if (needs_reorder_) {
    dnnl::memory dst(plain_, src_mem_.get_engine(), t.raw());
    to_plain_.execute(*ctx.stream, src_mem_, dst);
    ctx.stream->wait();
  } else {
    std::memcpy(t.raw(), src_mem_.get_data_handle(), t.nbytes());
  }
  (*ctx.tap)(name_, t);
}

}  // namespace qd::runtime::onednn
