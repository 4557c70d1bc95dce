// Signed int8 sources at full range (q in [-127, 127], weights too) must accumulate exactly in oneDNN:
// as s8 sources where s8_sources_exact() says so (VNNI), else as two u8 halves. Values that would
// saturate int16 pair sums (vpmaddubsw) or expose halved weights are the common case here.
#include <gtest/gtest.h>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/onednn/onednn_executor.h"
#include "runtime/ref/int8.h"
#include "runtime/ref/kernels.h"

namespace qd::runtime {
namespace {

using testing::conv_attrs;
using testing::GraphBuilder;
using testing::random_tensor;

// Power-of-two steps and no bias: acc * 2^-13 is exact in fp32 (|acc| < 2^24).
constexpr float kInputStep = 1.f / 64, kWeightStep = 1.f / 128;

// x in [-127/64, 127/64]: q = round(x * 64) covers [-127, 127]; the first channel sits at +-127 exactly.
Tensor full_range_input(const Shape& s, uint32_t seed) {
  Tensor t = random_tensor(s, seed, -127.f / 64, 127.f / 64);
  const int64_t per_channel = s.size() == 4 ? s[2] * s[3] : 1;
  for (int64_t i = 0; i < per_channel; ++i) t.data<float>()[i] = (i % 2 ? -127.f : 127.f) / 64;
  return t;
}

Tensor run_onednn_int8(const ir::Model& m, const Tensor& in) {
  CompileOptions o;
  o.backend = Backend::onednn;
  o.int8 = Int8Mode::real;
  o.threads = 1;
  return compile(m, o)->run({in})[0];
}

struct SignedConvCase {
  const char* name;
  int64_t c, hw, o;
  ir::ConvAttrs a;
};

TEST(OneDnnInt8Signed, FullRangeConvsAccumulateExactly) {
  const std::vector<SignedConvCase> cases = {
      {"3x3 dense", 64, 10, 32, conv_attrs(3, 1, 1)},
      {"1x1", 96, 7, 48, conv_attrs(1)},
      {"3x3/s2 depthwise", 32, 11, 32, conv_attrs(3, 2, 1, 32)},
      {"5x5 depthwise", 48, 9, 48, conv_attrs(5, 1, 2, 48)},
      {"3x3 grouped (8 per group)", 64, 8, 64, conv_attrs(3, 1, 1, 8)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    GraphBuilder b;
    ir::ValueId x = b.input("x", {1, c.c, c.hw, c.hw});
    const ir::ValueId w = b.constant(
        random_tensor({c.o, c.c / c.a.group, c.a.kernel_h, c.a.kernel_w}, 7, -127.f / 128, 127.f / 128));
    ir::ValueId y = b.node(ir::OpKind::Conv, {x, w}, c.a);
    b.output(y);
    ir::Model m = b.finish();
    const ir::Node& n = m.graph.node(m.graph.producer(y));
    ir::LayerQuant q;
    q.input_scale = kInputStep;
    q.weight_scales = {kWeightStep};
    m.quant.layers[n.name] = q;
    const Tensor in = full_range_input({1, c.c, c.hw, c.hw}, 8);
    const Tensor fast = run_onednn_int8(m, in);
    const Tensor acc = ref::conv2d_int32(ref::quantize(in, kInputStep),
                                         ref::quantize_weights(m.graph.value(w).constant, {kWeightStep}, 8),
                                         n.attr<ir::ConvAttrs>());
    ASSERT_EQ(acc.numel(), fast.numel());
    int mismatches = 0;
    for (int64_t i = 0; i < acc.numel(); ++i)
      mismatches +=
          fast.data<float>()[i] != static_cast<float>(acc.data<int32_t>()[i]) * kInputStep * kWeightStep;
    EXPECT_EQ(mismatches, 0);
  }
}

TEST(OneDnnInt8Signed, FullRangeGemmAccumulatesExactly) {
  const int64_t M = 1, K = 1280, N = 40;
  GraphBuilder b;
  ir::ValueId x = b.input("x", {M, K});
  const Tensor wt = random_tensor({N, K}, 9, -127.f / 128, 127.f / 128);
  ir::GemmAttrs ga;
  ga.trans_b = true;
  ir::ValueId y = b.node(ir::OpKind::Gemm, {x, b.constant(wt)}, ga);
  b.output(y);
  ir::Model m = b.finish();
  ir::LayerQuant q;
  q.input_scale = kInputStep;
  q.weight_scales = {kWeightStep};
  m.quant.layers[m.graph.node(m.graph.producer(y)).name] = q;
  const Tensor in = full_range_input({M, K}, 10);
  const Tensor fast = run_onednn_int8(m, in);
  const Tensor qx = ref::quantize(in, kInputStep), qw = ref::quantize_weights(wt, {kWeightStep}, 8);
  int mismatches = 0;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      int32_t acc = 0;
      for (int64_t k = 0; k < K; ++k) acc += qx.data<int8_t>()[i * K + k] * qw.data<int8_t>()[j * K + k];
      mismatches += fast.data<float>()[i * N + j] != static_cast<float>(acc) * kInputStep * kWeightStep;
    }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace qd::runtime
