// The one-row int8 inner product of AVX2 machines (int8_gemv.h): its int32 sums against the integer dot
// products bit for bit (u8 and s8 sources, odd K, N not a multiple of 8, extreme values), and, where oneDNN's
// s8 sources are inexact (AVX2-only machines; ctest runs this program once more with
// ONEDNN_MAX_CPU_ISA=AVX2), batch-1 Gemms with signed and non-negative inputs against oneDNN's int8 inner
// products (KernelPolicy::never) and the reference runtime.
#include "runtime/onednn/int8_gemv.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/onednn/onednn_executor.h"
#include "runtime/onednn/s8_source_exact.h"

namespace qd::runtime {
namespace {

using testing::compare;
using testing::GraphBuilder;
using testing::random_tensor;

int gemv_mismatches(int64_t K, int64_t N, bool src_unsigned, bool extreme, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> wd(-127, 127), sd(src_unsigned ? 0 : -128, src_unsigned ? 255 : 127);
  Tensor w(DataType::i8, {N, K});
  for (int8_t& v : w.values<int8_t>()) v = static_cast<int8_t>(extreme ? (rng() % 2 ? 127 : -127) : wd(rng));
  std::vector<uint8_t> x(static_cast<size_t>(K));  // u8 values, or the bytes of s8 ones
  for (uint8_t& v : x)
    v = static_cast<uint8_t>(extreme ? (src_unsigned ? 255 : (rng() % 2 ? 127 : -128)) : sd(rng));
  onednn::Int8GemvShape s;
  s.K = K, s.N = N, s.src_unsigned = src_unsigned;
  std::vector<uint8_t> scratch(s.scratch_bytes());
  std::vector<int32_t> acc(static_cast<size_t>(N), -1);
  onednn::int8_gemv_accumulate(s, x.data(), onednn::int8_gemv_weights(w), scratch.data(), acc.data());
  int mismatches = 0;
  for (int64_t n = 0; n < N; ++n) {
    int64_t want = 0;
    for (int64_t k = 0; k < K; ++k)
      want +=
          (src_unsigned ? int64_t{x[k]} : int64_t{static_cast<int8_t>(x[k])}) * w.data<int8_t>()[n * K + k];
    mismatches += acc[static_cast<size_t>(n)] != want;
  }
  return mismatches;
}

TEST(Int8Gemv, AccumulatorsEqualIntegerDotProducts) {
  struct Case {
    int64_t K, N;
  };
  // MobileNetV3-Large's classifier (960 -> 1280), a 10-class head, odd K with N below one block and a
  // partial last block of 4.
  for (const Case c : {Case{960, 1280}, Case{1280, 10}, Case{37, 5}, Case{20, 12}})
    for (bool src_unsigned : {true, false})
      for (bool extreme : {false, true}) {
        SCOPED_TRACE(std::to_string(c.K) + " -> " + std::to_string(c.N) + (src_unsigned ? ", u8" : ", s8") +
                     (extreme ? ", extreme values" : ", random"));
        EXPECT_EQ(gemv_mismatches(c.K, c.N, src_unsigned, extreme, 81), 0);
      }
}

// x (signed) -> Gemm (B transposed, alpha, bias) + HardSwish -> Relu -> Gemm (B as is) on the
// non-negative value: batch 1, both int8.
ir::Model gemv_model(const Tensor& sample) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", sample.shape());
  ir::GemmAttrs ga;
  ga.alpha = 0.5f;
  ga.beta = 2.f;
  ga.trans_b = true;
  ir::ValueId y1 =
      b.node(ir::OpKind::Gemm,
             {x, b.constant(random_tensor({44, 37}, 82)), b.constant(random_tensor({44}, 83))}, ga);
  ir::ValueId h = b.node(ir::OpKind::HardSwish, {y1});
  ir::ValueId r = b.node(ir::OpKind::Relu, {h});
  ir::GemmAttrs gb;
  ir::ValueId y2 =
      b.node(ir::OpKind::Gemm,
             {r, b.constant(random_tensor({44, 10}, 84)), b.constant(random_tensor({1, 10}, 85))}, gb);
  b.output(y2);
  ir::Model m = b.finish();
  testing::quantize_gemms_by_absmax(m, sample);
  return m;
}

Tensor gemv_run(const ir::Model& m, Backend backend, KernelPolicy kernel, const Tensor& x,
                std::string* plan = nullptr) {
  CompileOptions o;
  o.backend = backend;
  o.int8 = Int8Mode::real;
  o.threads = 2;
  o.min_parallel_work = 0;  // split every step, whatever the model size or machine load
  o.batch = 1;
  o.int8_signed = kernel;
  auto e = compile(m, o);
  if (plan) *plan = onednn_plan_summary(*e);
  return e->run({x})[0];
}

TEST(Int8Gemv, BatchOneGemmsMatchOneDnnAndReference) {
  const bool ours_expected = !onednn::s8_sources_exact(dnnl::engine(dnnl::engine::kind::cpu, 0));
  const Tensor x = random_tensor({1, 37}, 86, -2.f, 2.f);
  const ir::Model m = gemv_model(x);
  std::string plan, onednn_plan;
  const Tensor ours = gemv_run(m, Backend::onednn, KernelPolicy::when_faster, x, &plan);
  EXPECT_EQ(testing::occurrences(plan, "[int16 pairs, one row]"), ours_expected ? 2 : 0) << plan;
  const Tensor theirs = gemv_run(m, Backend::onednn, KernelPolicy::never, x, &onednn_plan);
  EXPECT_EQ(onednn_plan.find("one row"), std::string::npos) << onednn_plan;
  const Tensor ref = gemv_run(m, Backend::reference, KernelPolicy::never, x);
  EXPECT_EQ(compare(ours, ref, 1e-5f), "");
  EXPECT_EQ(compare(theirs, ref, 1e-5f), "");
}

}  // namespace
}  // namespace qd::runtime
