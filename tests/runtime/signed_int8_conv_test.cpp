// The int16 int8 conv for signed sources (oneDNN executor, AVX2): the kernel's int32 accumulators against the
// reference integer conv bit for bit (1x1, 3x3, 5x5, strides 1-2, pads, batch 2, odd channel counts, sources
// and weights at +-127), and, where oneDNN's s8 sources are inexact (AVX2-only machines; ctest runs this
// program once more with ONEDNN_MAX_CPU_ISA=AVX2), a MobileNet-like int8 model against the two-u8-halves
// split it replaces and the reference runtime.
#include "runtime/onednn/signed_int8_conv.h"

#include <gtest/gtest.h>
#include <immintrin.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "runtime/cpu_isa.h"
#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/onednn/onednn_executor.h"
#include "runtime/onednn/s8_source_exact.h"
#include "runtime/ref/int8.h"
#include "runtime/ref/kernels.h"

namespace qd::runtime {
namespace {

using testing::absmax_step;
using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::occurrences;
using testing::random_tensor;

struct Signed8Case {
  std::string name;
  int64_t n, c, h, w, oc;
  int k, stride, pad;
};

// s8 values in [-127, 127]; `extreme`: every value +-127 (the largest products and pair sums).
Tensor signed8_values(const Shape& s, uint32_t seed, bool extreme) {
  Tensor t(DataType::i8, s);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-127, 127), sign(0, 1);
  for (int8_t& v : t.values<int8_t>()) v = static_cast<int8_t>(extreme ? (sign(rng) ? 127 : -127) : d(rng));
  return t;
}

int signed8_mismatches(const Signed8Case& c, bool extreme) {
  const Tensor qx = signed8_values({c.n, c.c, c.h, c.w}, 31, extreme);
  const Tensor qw = signed8_values({c.oc, c.c, c.k, c.k}, 32, extreme);
  const ir::ConvAttrs a = conv_attrs(c.k, c.stride, c.pad);
  const Tensor ref = ref::conv2d_int32(qx, qw, a);
  onednn::SignedInt8Shape s;
  s.N = c.n, s.C = c.c, s.H = c.h, s.W = c.w, s.OC = c.oc, s.OH = ref.dim(2), s.OW = ref.dim(3);
  s.kh = s.kw = c.k, s.stride_h = s.stride_w = c.stride, s.pad_top = s.pad_left = c.pad;
  std::vector<int8_t> nhwc(static_cast<size_t>(qx.numel()));
  const int64_t HW = c.h * c.w;
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t ch = 0; ch < c.c; ++ch)
      for (int64_t p = 0; p < HW; ++p)
        nhwc[static_cast<size_t>((n * HW + p) * c.c + ch)] = qx.data<int8_t>()[(n * c.c + ch) * HW + p];
  std::vector<uint8_t> scratch(s.scratch_bytes(), 0xA5);  // the kernel zeroes the padding itself
  std::vector<int32_t> acc(static_cast<size_t>(ref.numel()), -1);
  onednn::signed_int8_accumulate(s, nhwc.data(), onednn::signed_int8_weights(qw), scratch.data(), acc.data());
  int mismatches = 0;
  const int64_t P = s.OH * s.OW;
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t o = 0; o < c.oc; ++o)
      for (int64_t p = 0; p < P; ++p)
        mismatches +=
            acc[static_cast<size_t>((n * P + p) * c.oc + o)] != ref.data<int32_t>()[(n * c.oc + o) * P + p];
  return mismatches;
}

TEST(SignedInt8Conv, AccumulatorsEqualReferenceIntegerConv) {
  const std::vector<Signed8Case> cases = {
      {"1x1, 14x14, 96 -> 576", 1, 96, 14, 14, 576, 1, 1, 0},
      {"1x1, odd 7x5, batch 2, 17 -> 20", 2, 17, 7, 5, 20, 1, 1, 0},
      {"1x1 stride 2, 9x9, 24 -> 40", 1, 24, 9, 9, 40, 1, 2, 0},
      {"3x3 pad 1, 10x10, 32 -> 48", 1, 32, 10, 10, 48, 3, 1, 1},
      {"3x3 stride 2 pad 1, odd 11x9, batch 2, 3 -> 16 (an image stem)", 2, 3, 11, 9, 16, 3, 2, 1},
      {"5x5 pad 2, 6x6, 9 -> 7", 1, 9, 6, 6, 7, 5, 1, 2},
      // |acc| up to 127 * 127 * 9 * 512 = 74.3M
      {"3x3, 4x4, 512 -> 32", 1, 512, 4, 4, 32, 3, 1, 1},
  };
  for (const auto& c : cases)
    for (bool extreme : {false, true}) {
      SCOPED_TRACE(c.name + (extreme ? ", all +-127" : ", random"));
      EXPECT_EQ(signed8_mismatches(c, extreme), 0);
    }
}

__attribute__((target("avx2"))) void activate8(const ir::FusedActivation& act, const float* x, float* y) {
  _mm256_storeu_ps(y, onednn::apply_winograd_activation(act, _mm256_loadu_ps(x)));
}

TEST(SignedInt8Conv, EpilogueActivationsMatchTheReference) {
  // HardSwish in the reference's operations (equal); Sigmoid and Swish through a polynomial exp (a few ulp).
  std::vector<float> x;
  for (int i = -2000; i <= 2000; ++i) x.push_back(static_cast<float>(i) * 0.05f);
  for (float v : {-120.f, -88.5f, -88.f, 88.f, 120.f}) x.push_back(v);
  while (x.size() % 8) x.push_back(0.f);
  for (ir::OpKind op : {ir::OpKind::HardSwish, ir::OpKind::Sigmoid, ir::OpKind::Swish}) {
    SCOPED_TRACE(ir::op_name(op));
    const ir::FusedActivation act{op};
    int far = 0;
    for (size_t i = 0; i < x.size(); i += 8) {
      float y[8];
      activate8(act, x.data() + i, y);
      for (int l = 0; l < 8; ++l) {
        const float want = ref::activate(x[i + l], act);
        const float tol = op == ir::OpKind::HardSwish ? 0.f : 4e-7f * std::fabs(want) + 1e-30f;
        far += !(std::fabs(y[l] - want) <= tol);
      }
    }
    EXPECT_EQ(far, 0);
  }
}

// x (signed) -> conv0 1x1 + HardSwish -> depthwise 3x3 + HardSwish -> conv1 1x1 (linear) -> conv2 1x1 +
// Relu6,
// + residual conv1 -> conv3 3x3 stride 2 + Swish: every conv reads a signed value; conv0 and the depthwise
// conv requantize for their readers (int8 -> int8), conv2 adds the residual in its epilogue.
ir::Model signed8_quantized(ir::Model m, const Tensor& sample);

ir::Model signed8_model(const Tensor& sample) {
  GraphBuilder b;
  const int64_t C = sample.dim(1);
  ir::ValueId x = b.input("x", sample.shape());
  ir::ConvAttrs hs = conv_attrs(1);
  hs.activation = ir::FusedActivation{ir::OpKind::HardSwish};
  ir::ValueId h0 = b.conv(x, C, 48, hs, 61);
  ir::ConvAttrs dw = conv_attrs(3, 1, 1, 48);
  dw.activation = ir::FusedActivation{ir::OpKind::HardSwish};
  ir::ValueId d0 = b.conv(h0, 48, 48, dw, 66);
  ir::ValueId h1 = b.conv(d0, 48, 24, conv_attrs(1), 62);
  ir::ConvAttrs r6 = conv_attrs(1);
  r6.activation = ir::FusedActivation{ir::OpKind::Clip, 0.f, 6.f};
  ir::ValueId h2 = b.conv(h1, 24, 24, r6, 63);
  ir::ValueId sum = b.node(ir::OpKind::Add, {h2, h1});
  ir::ConvAttrs down = conv_attrs(3, 2, 1);
  down.activation = ir::FusedActivation{ir::OpKind::Swish};
  ir::ValueId y = b.conv(sum, 24, 16, down, 64);
  b.output(y);
  return signed8_quantized(b.finish(), sample);
}

// m with absmax input steps (from an fp32 reference run on sample) and 8-bit per-channel weight steps on
// every conv.
ir::Model signed8_quantized(ir::Model m, const Tensor& sample) {
  std::map<std::string, float> steps;
  CompileOptions o;
  o.backend = Backend::reference;
  o.int8 = Int8Mode::off;
  o.batch = sample.dim(0);
  o.threads = 1;
  compile(m, o)->run({sample},
                     [&](const std::string& name, const Tensor& t) { steps[name] = absmax_step(t); });
  for (const ir::Node& n : m.graph.nodes()) {
    if (n.op != ir::OpKind::Conv) continue;
    ir::LayerQuant q;
    q.input_scale = steps.at(m.graph.value(n.inputs[0]).name);
    q.weight_scales = testing::channel_steps(m.graph.value(n.inputs[1]).constant, 8);
    m.quant.layers[n.name] = q;
  }
  return m;
}

Tensor signed8_run(const ir::Model& m, Backend backend, KernelPolicy kernel, int threads, const Tensor& x,
                   std::string* plan = nullptr) {
  CompileOptions o;
  o.backend = backend;
  o.int8 = Int8Mode::real;
  o.threads = threads;
  o.min_parallel_work = 0;  // split every step, whatever the model size or machine load
  o.batch = x.dim(0);
  o.int8_signed = kernel;
  auto e = compile(m, o);
  if (plan) *plan = onednn_plan_summary(*e);
  return e->run({x})[0];
}

TEST(SignedInt8Conv, ModelMatchesTheSplitAndReference) {
  // With VNNI oneDNN reads the s8 sources itself and neither the split nor this kernel runs (the plans say
  // so); the ctest run with ONEDNN_MAX_CPU_ISA=AVX2 takes the AVX2 paths on every machine.
  const bool split_needed = !onednn::s8_sources_exact(dnnl::engine(dnnl::engine::kind::cpu, 0));
  for (int threads : {1, 2}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    const Tensor x = random_tensor({2, 8, 9, 9}, 65, -2.f, 2.f);
    const ir::Model m = signed8_model(x);
    std::string plan, split_plan;
    const Tensor ours = signed8_run(m, Backend::onednn, KernelPolicy::when_faster, threads, x, &plan);
    EXPECT_EQ(occurrences(plan, "[int16 pairs"), split_needed ? 5 : 0) << plan;
    if (split_needed) {
      EXPECT_NE(plan.find("int8(signed)->int8 +HardSwish [int16"), std::string::npos) << plan;
      EXPECT_NE(plan.find("int8(signed)->int8 +HardSwish [int16 pairs, depthwise]"), std::string::npos)
          << plan;
      EXPECT_NE(plan.find("+Clip +sum("), std::string::npos) << plan;
    }
    EXPECT_EQ(plan.find("2 x u8"), std::string::npos) << plan;
    const Tensor split = signed8_run(m, Backend::onednn, KernelPolicy::never, threads, x, &split_plan);
    EXPECT_EQ(split_plan.find("2 x u8") != std::string::npos, split_needed) << split_plan;
    const Tensor ref = signed8_run(m, Backend::reference, KernelPolicy::never, threads, x);
    EXPECT_EQ(compare(ours, ref, 1e-4f), "");
    EXPECT_EQ(compare(split, ref, 1e-4f), "");
  }
}

// x -> conv0 1x1 + Relu6 -> depthwise 3x3 + Relu6 -> depthwise 5x5 + Relu -> depthwise 3x3 stride 2 -> conv1
// 1x1: the depthwise convs read u8 values (MobileNetV2's pattern). Where oneDNN's ISA is AVX2 the stride-1
// ones run our int16 kernel on the u8 source (signed_int8_depthwise.h), elsewhere oneDNN's, and with
// KernelPolicy::always all three run ours on any machine; each way the same values as the reference.
ir::Model u8_depthwise_model(const Tensor& sample) {
  GraphBuilder b;
  const int64_t C = sample.dim(1);
  ir::ValueId x = b.input("x", sample.shape());
  ir::ConvAttrs r6 = conv_attrs(1);
  r6.activation = ir::FusedActivation{ir::OpKind::Clip, 0.f, 6.f};
  ir::ValueId h0 = b.conv(x, C, 40, r6, 71);
  ir::ConvAttrs dw = conv_attrs(3, 1, 1, 40);
  dw.activation = ir::FusedActivation{ir::OpKind::Clip, 0.f, 6.f};
  ir::ValueId d0 = b.conv(h0, 40, 40, dw, 72);
  ir::ConvAttrs dw5 = conv_attrs(5, 1, 2, 40);
  dw5.activation = ir::FusedActivation{ir::OpKind::Relu};
  ir::ValueId d1 = b.conv(d0, 40, 40, dw5, 73);
  ir::ValueId d2 = b.conv(d1, 40, 40, conv_attrs(3, 2, 1, 40), 76);
  b.output(b.conv(d2, 40, 16, conv_attrs(1), 74));
  return signed8_quantized(b.finish(), sample);
}

TEST(SignedInt8Conv, U8DepthwiseMatchesReference) {
  const bool avx2_only = onednn_cpu_isa() == "avx2";
  for (int threads : {1, 2}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    const Tensor x = random_tensor({2, 8, 11, 10}, 75, -2.f, 2.f);
    const ir::Model m = u8_depthwise_model(x);
    std::string plan;
    const Tensor ours = signed8_run(m, Backend::onednn, KernelPolicy::when_faster, threads, x, &plan);
    EXPECT_EQ(plan.find("int8->int8 +Clip [int16 pairs, depthwise]") != std::string::npos, avx2_only) << plan;
    EXPECT_EQ(plan.find("int8->int8 +Relu [int16 pairs, depthwise]") != std::string::npos, avx2_only) << plan;
    // stride 2 stays on oneDNN's kernel
    EXPECT_EQ(occurrences(plan, "[int16 pairs, depthwise]"), avx2_only ? 2 : 0) << plan;
    const Tensor always = signed8_run(m, Backend::onednn, KernelPolicy::always, threads, x, &plan);
    EXPECT_EQ(occurrences(plan, "[int16 pairs, depthwise]"), 3) << plan;
    const Tensor onednn_own = signed8_run(m, Backend::onednn, KernelPolicy::never, threads, x, &plan);
    EXPECT_EQ(plan.find("[int16 pairs"), std::string::npos) << plan;
    const Tensor ref = signed8_run(m, Backend::reference, KernelPolicy::never, threads, x);
    EXPECT_EQ(compare(ours, ref, 1e-4f), "");
    EXPECT_EQ(compare(always, ref, 1e-4f), "");
    EXPECT_EQ(compare(onednn_own, ref, 1e-4f), "");
  }
}

}  // namespace
}  // namespace qd::runtime
