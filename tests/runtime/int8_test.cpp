// Int8: the exact integer reference against hand-computed values, and the oneDNN int8 path against it.
#include "runtime/ref/int8.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/onednn/onednn_executor.h"
#include "runtime/onednn/s8_source_exact.h"
#include "runtime/ref/kernels.h"

namespace qd::runtime {
namespace {

using testing::absmax_step;
using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::make;
using testing::random_tensor;

TEST(RefInt8, QuantizeRoundsHalfAwayFromZeroAndClamps) {
  EXPECT_EQ(ref::quantize_value(0.5f, 1.f), 1);
  EXPECT_EQ(ref::quantize_value(-0.5f, 1.f), -1);
  EXPECT_EQ(ref::quantize_value(2.5f, 1.f), 3);  // not to even
  EXPECT_EQ(ref::quantize_value(0.74f, 0.5f), 1);
  EXPECT_EQ(ref::quantize_value(1000.f, 1.f), 127);
  EXPECT_EQ(ref::quantize_value(-1000.f, 1.f), -127);  // never -128
  Tensor w6 = ref::quantize_weights(make({2, 2}, {1.f, -10.f, 0.25f, 0.3f}), {0.1f, 0.01f}, 6);
  EXPECT_EQ(w6.data<int8_t>()[0], 10);
  EXPECT_EQ(w6.data<int8_t>()[1], -31);  // 6-bit clamp
  EXPECT_EQ(w6.data<int8_t>()[2], 25);
  EXPECT_EQ(w6.data<int8_t>()[3], 30);
}

TEST(RefInt8, FastQuantizeEqualsRoundHalfAway) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> d(-200.f, 200.f);
  std::vector<float> xs{0.5f,   -0.5f,   1.5f, -2.5f, 0.49999997f, -0.49999997f,
                        126.5f, -127.5f, 0.f,  -0.f,  1e-30f};
  for (int i = 0; i < 200000; ++i) xs.push_back(d(rng));
  for (float step : {1.f, 0.37f, 1.f / 64}) {
    for (float x : xs)
      ASSERT_EQ(ref::quantize_value_fast(x, step), ref::quantize_value(x, step)) << x << " " << step;
    for (int k = -300; k <= 300; ++k) {  // exact ties k/2 * step
      const float x = 0.5f * k * step;
      ASSERT_EQ(ref::quantize_value_fast(x, step), ref::quantize_value(x, step)) << x;
    }
  }
}

TEST(RefInt8, ZeroWeightStepGivesZeroChannel) {
  Tensor q = ref::quantize_weights(make({2, 1}, {0.f, 0.5f}), {0.f, 0.5f}, 8);
  EXPECT_EQ(q.data<int8_t>()[0], 0);
  EXPECT_EQ(q.data<int8_t>()[1], 1);
  EXPECT_THROW(ref::quantize_weights(make({1, 1}, {1.f}), {-1.f}, 8), Error);
}

TEST(RefInt8, ConvAccumulatesInInt32AndScalesPerChannel) {
  // x = [1, 2, 3, 4] * 0.5 (step 0.5 -> q = 1..4); 1x1 conv, two output channels.
  Tensor x = make({1, 1, 2, 2}, {0.5f, 1.f, 1.5f, 2.f});
  Tensor w = make({2, 1, 2, 2}, {0.1f, 0.2f, 0.3f, 0.4f, -1.f, 0.f, 0.f, 1.f});
  ir::LayerQuant q;
  q.input_scale = 0.5f;
  q.weight_scales = {0.1f, 0.25f};  // q_w = [1,2,3,4] and [-4,0,0,4]
  ir::ConvAttrs a;
  a.kernel_h = a.kernel_w = 2;
  Tensor acc = ref::conv2d_int32(ref::quantize(x, 0.5f), ref::quantize_weights(w, q.weight_scales, 8), a);
  EXPECT_EQ(acc.data<int32_t>()[0], 1 * 1 + 2 * 2 + 3 * 3 + 4 * 4);  // 30
  EXPECT_EQ(acc.data<int32_t>()[1], -4 * 1 + 4 * 4);                 // 12
  Tensor y = ref::conv2d_int8(x, w, make({2}, {1.f, -2.f}), a, q);
  EXPECT_FLOAT_EQ(y.data<float>()[0], 30 * 0.5f * 0.1f + 1.f);
  EXPECT_FLOAT_EQ(y.data<float>()[1], 12 * 0.5f * 0.25f - 2.f);
}

// Per-tensor absmax step for activations, per-channel for weights (what a minmax calibrator gives).
std::vector<Tensor> run(const ir::Model& m, Backend b, Int8Mode mode, const std::vector<Tensor>& in,
                        int64_t batch = 1, const Tap& tap = {}) {
  CompileOptions o;
  o.backend = b;
  o.int8 = mode;
  o.batch = batch;
  o.threads = 1;
  return compile(m, o)->run(in, tap);
}

// Adds quant params for Conv node `conv_out`'s producer, with input step from `in_sample`.
void quantize_conv(ir::Model& m, ir::ValueId conv_out, float input_step, int bits = 8,
                   float output_step = 0.f) {
  const ir::Node& n = m.graph.node(m.graph.producer(conv_out));
  ir::LayerQuant q;
  q.input_scale = input_step;
  q.weight_scales = testing::channel_steps(m.graph.value(n.inputs[1]).constant, bits);
  q.weight_bits = bits;
  q.output_scale = output_step;
  m.quant.layers[n.name] = q;
}

struct Int8ConvCase {
  const char* name;
  int64_t n, c, h, w, o;
  ir::ConvAttrs a;
  int bits;
  std::optional<ir::FusedActivation> act;
};

TEST(OneDnnInt8, ConvMatchesIntegerReference) {
  const std::vector<Int8ConvCase> cases = {
      {"3x3", 1, 16, 8, 8, 16, conv_attrs(3, 1, 1), 8, ir::FusedActivation{ir::OpKind::Relu}},
      {"stride2 odd channels", 2, 5, 9, 7, 11, conv_attrs(3, 2, 1), 8, {}},
      {"1x1", 1, 32, 5, 5, 24, conv_attrs(1), 8, ir::FusedActivation{ir::OpKind::Clip, 0.f, 6.f}},
      {"groups", 1, 8, 6, 6, 16, conv_attrs(3, 1, 1, 4), 8, {}},
      {"depthwise", 1, 16, 7, 7, 16, conv_attrs(3, 1, 1, 16), 8, ir::FusedActivation{ir::OpKind::Relu}},
      {"dilation 6-bit", 1, 8, 10, 10, 8, conv_attrs(3, 1, 2, 1, 2), 6, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    GraphBuilder b;
    ir::ValueId x = b.input("x", {c.n, c.c, c.h, c.w});
    ir::ConvAttrs a = c.a;
    a.activation = c.act;
    ir::ValueId y = b.conv(x, c.c, c.o, a, 3);
    b.output(y);
    ir::Model m = b.finish();
    Tensor in = random_tensor({c.n, c.c, c.h, c.w}, 5);
    quantize_conv(m, y, absmax_step(in), c.bits);
    auto ref = run(m, Backend::reference, Int8Mode::real, {in}, c.n);
    auto fast = run(m, Backend::onednn, Int8Mode::real, {in}, c.n);
    EXPECT_EQ(compare(fast[0], ref[0], 1e-5f), "");
    // And int8 really differs from fp32 (the test would not notice a silent fp32 fallback otherwise).
    auto fp = run(m, Backend::reference, Int8Mode::off, {in}, c.n);
    EXPECT_NE(compare(fp[0], ref[0], 1e-6f), "");
  }
}

TEST(OneDnnInt8, Int32AccumulationIsBitExact) {
  // Power-of-two steps and no bias: acc * scale is exact in fp32, so both backends must agree exactly
  // and equal the reference int32 accumulator times the scale.
  GraphBuilder b;
  ir::ValueId x = b.input("x", {1, 24, 9, 9});
  ir::ValueId y = b.conv(x, 24, 16, conv_attrs(3, 1, 1), 8, /*bias=*/false);
  b.output(y);
  ir::Model m = b.finish();
  const ir::Node& n = m.graph.node(m.graph.producer(y));
  ir::LayerQuant q;
  q.input_scale = 1.f / 64;  // |x| <= 1 -> q in [-64, 64]
  q.weight_scales = {1.f / 128};
  m.quant.layers[n.name] = q;
  Tensor in = random_tensor({1, 24, 9, 9}, 6);
  auto fast = run(m, Backend::onednn, Int8Mode::real, {in});
  Tensor acc =
      ref::conv2d_int32(ref::quantize(in, q.input_scale),
                        ref::quantize_weights(m.graph.value(n.inputs[1]).constant, q.weight_scales, 8),
                        n.attr<ir::ConvAttrs>());
  ASSERT_EQ(acc.numel(), fast[0].numel());
  int mismatches = 0;
  for (int64_t i = 0; i < acc.numel(); ++i)
    mismatches +=
        fast[0].data<float>()[i] != static_cast<float>(acc.data<int32_t>()[i]) * (q.input_scale / 128);
  EXPECT_EQ(mismatches, 0);
}

// conv-relu (s8 out) -> conv + residual -> relu, a strided block with projection, GAP, int8 Gemm.
ir::Model int8_residual_model(const Tensor& sample, Int8Mode calib_mode_unused = Int8Mode::off) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {kDynamicDim, 16, 8, 8});
  ir::ValueId c1 = b.conv(x, 16, 16, conv_attrs(3, 1, 1), 41);
  ir::ValueId h = b.node(ir::OpKind::Relu, {c1});
  ir::ValueId c2 = b.conv(h, 16, 16, conv_attrs(3, 1, 1), 42);
  ir::ValueId y = b.node(ir::OpKind::Relu, {b.node(ir::OpKind::Add, {c2, x})});
  ir::ValueId c3 = b.conv(y, 16, 32, conv_attrs(3, 2, 1), 43);
  ir::ValueId h2 = b.node(ir::OpKind::Relu, {c3});
  ir::ValueId proj = b.conv(y, 16, 32, conv_attrs(1, 2, 0), 44);
  ir::ValueId c4 = b.conv(h2, 32, 32, conv_attrs(3, 1, 1), 45);
  ir::ValueId z = b.node(ir::OpKind::Relu, {b.node(ir::OpKind::Add, {c4, proj})});
  ir::ValueId f = b.node(ir::OpKind::Flatten, {b.node(ir::OpKind::GlobalAveragePool, {z})}, ir::AxisAttrs{1});
  ir::GemmAttrs ga;
  ga.trans_b = true;
  ir::ValueId logits =
      b.node(ir::OpKind::Gemm,
             {f, b.constant(random_tensor({10, 32}, 46)), b.constant(random_tensor({10}, 47))}, ga);
  b.output(logits);
  ir::Model m = b.finish();
  // Steps from one fp32 run (absmax of every conv/gemm input), like a minmax calibration.
  std::map<std::string, float> steps;
  run(m, Backend::reference, Int8Mode::off, {sample}, sample.dim(0),
      [&](const std::string& name, const Tensor& t) { steps[name] = absmax_step(t); });
  for (const ir::Node& n : m.graph.nodes()) {
    if (n.op != ir::OpKind::Conv && n.op != ir::OpKind::Gemm) continue;
    ir::LayerQuant q;
    q.input_scale = steps.at(m.graph.value(n.inputs[0]).name);
    q.weight_scales = n.op == ir::OpKind::Conv ? testing::channel_steps(m.graph.value(n.inputs[1]).constant)
                                               : testing::channel_steps(m.graph.value(n.inputs[1]).constant);
    m.quant.layers[n.name] = q;
  }
  // conv1 feeds only conv2 (through its relu): requantize its output with conv2's input step.
  const std::string c1_name = m.graph.node(m.graph.producer(c1)).name;
  const std::string c2_name = m.graph.node(m.graph.producer(c2)).name;
  m.quant.layers[c1_name].output_scale = m.quant.layers[c2_name].input_scale;
  const std::string c3_name = m.graph.node(m.graph.producer(c3)).name;
  const std::string c4_name = m.graph.node(m.graph.producer(c4)).name;
  m.quant.layers[c3_name].output_scale = m.quant.layers[c4_name].input_scale;
  return m;
}

TEST(OneDnnInt8, ResidualNetworkWithRequantizedChainsMatchesReference) {
  for (int64_t batch : {1, 3}) {
    SCOPED_TRACE(batch);
    Tensor in = random_tensor({batch, 16, 8, 8}, 50);
    ir::Model m = int8_residual_model(in);
    auto ref = run(m, Backend::reference, Int8Mode::real, {in}, batch);
    auto fast = run(m, Backend::onednn, Int8Mode::real, {in}, batch);
    EXPECT_EQ(compare(fast[0], ref[0], 1e-4f), "");
    auto fp = run(m, Backend::reference, Int8Mode::off, {in}, batch);
    EXPECT_NE(compare(fp[0], ref[0], 1e-6f), "");  // int8 is in effect
    EXPECT_EQ(compare(fp[0], ref[0], 0.1f), "");   // and close to fp32
    CompileOptions o;
    o.batch = batch;
    const std::string plan = onednn_plan_summary(*compile(m, o));
    // conv1 reads the signed graph input: as s8 in oneDNN where its s8 sources are exact (VNNI), else on our
    // int16 kernel (signed_int8_conv.h); either way it emits int8 for conv2. conv3 emits int8 for conv4.
    const bool s8 = onednn::s8_sources_exact(dnnl::engine(dnnl::engine::kind::cpu, 0));
    EXPECT_EQ(plan.find("2 x u8"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("int8(signed)->int8 +Relu [int16 pairs]") != std::string::npos, !s8) << plan;
    EXPECT_EQ(testing::occurrences(plan, "int8->int8"), s8 ? 2 : 1) << plan;
    EXPECT_NE(plan.find("int8 gemm"), std::string::npos) << plan;
    EXPECT_NE(plan.find("int8 +sum(in-place) +Relu"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("reference"), std::string::npos) << plan;
  }
}

TEST(OneDnnInt8, TapsShowDequantizedS8Values) {
  Tensor in = random_tensor({1, 16, 8, 8}, 51);
  ir::Model m = int8_residual_model(in);
  std::map<std::string, Tensor> ref_taps, fast_taps;
  run(m, Backend::reference, Int8Mode::real, {in}, 1,
      [&](const std::string& n, const Tensor& t) { ref_taps[n] = t.clone(); });
  run(m, Backend::onednn, Int8Mode::real, {in}, 1,
      [&](const std::string& n, const Tensor& t) { fast_taps[n] = t.clone(); });
  int checked = 0;
  for (const ir::Node& n : m.graph.nodes()) {
    if (n.op != ir::OpKind::Conv) continue;
    const std::string& name = m.graph.value(n.inputs[0]).name;
    ASSERT_TRUE(fast_taps.count(name)) << name;
    const float step = m.quant.layers.at(n.name).input_scale;
    const Tensor& a = fast_taps[name];
    const Tensor& r = ref_taps.at(name);
    for (int64_t i = 0; i < a.numel(); ++i)  // s8 values: within half a step of the fp32 value
      ASSERT_LE(std::fabs(a.data<float>()[i] - r.data<float>()[i]), 0.5f * step + 1e-5f) << name;
    ++checked;
  }
  EXPECT_EQ(checked, 5);
}

TEST(OneDnnInt8, GemmSignedAndNonNegativeInputs) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {4, 20});
  ir::GemmAttrs ga;  // signed input: oneDNN with s8 source on VNNI, else two u8-source inner products
  ga.alpha = 0.5f;
  ga.beta = 2.f;
  ga.trans_b = true;
  ir::ValueId y1 =
      b.node(ir::OpKind::Gemm,
             {x, b.constant(random_tensor({12, 20}, 71)), b.constant(random_tensor({12}, 72))}, ga);
  ir::GemmAttrs gb;  // non-negative input, B not transposed: oneDNN int8 inner product
  gb.alpha = 1.5f;
  gb.activation = ir::FusedActivation{ir::OpKind::Relu};
  ir::ValueId r = b.node(ir::OpKind::Relu, {y1});
  ir::ValueId y2 =
      b.node(ir::OpKind::Gemm,
             {r, b.constant(random_tensor({12, 7}, 73)), b.constant(random_tensor({1, 7}, 74))}, gb);
  b.output(y2);
  ir::Model m = b.finish();
  Tensor in = random_tensor({4, 20}, 75);
  testing::quantize_gemms_by_absmax(m, in);
  auto ref = run(m, Backend::reference, Int8Mode::real, {in}, 4);
  auto fast = run(m, Backend::onednn, Int8Mode::real, {in}, 4);
  EXPECT_EQ(compare(fast[0], ref[0], 1e-5f), "");
  auto fp = run(m, Backend::reference, Int8Mode::off, {in}, 4);
  EXPECT_NE(compare(fp[0], ref[0], 1e-6f), "");
  CompileOptions o;
  o.batch = 4;
  const std::string plan = onednn_plan_summary(*compile(m, o));
  const bool s8 = onednn::s8_sources_exact(dnnl::engine(dnnl::engine::kind::cpu, 0));
  // The signed one: oneDNN with s8 source where that is exact (VNNI), else two exact u8-source products.
  EXPECT_EQ(plan.find("(signed: 2 x u8)") != std::string::npos, !s8) << plan;
  EXPECT_EQ(plan.find("reference"), std::string::npos) << plan;
  EXPECT_NE(plan.find("int8 gemm"), std::string::npos) << plan;
  auto sim_ref = run(m, Backend::reference, Int8Mode::simulate, {in}, 4);
  auto sim_fast = run(m, Backend::onednn, Int8Mode::simulate, {in}, 4);
  EXPECT_EQ(compare(sim_fast[0], sim_ref[0], 1e-4f), "");
}

TEST(OneDnnInt8, SimulateAndOffModes) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {2, 8, 6, 6});
  ir::ConvAttrs a = conv_attrs(3, 1, 1);
  a.activation = ir::FusedActivation{ir::OpKind::Relu};
  ir::ValueId y = b.conv(x, 8, 12, a, 61);
  b.output(y);
  ir::Model m = b.finish();
  Tensor in = random_tensor({2, 8, 6, 6}, 62);
  quantize_conv(m, y, absmax_step(in) * 2.f);  // a coarse step so simulation visibly differs from fp32
  auto sim_ref = run(m, Backend::reference, Int8Mode::simulate, {in}, 2);
  auto sim_fast = run(m, Backend::onednn, Int8Mode::simulate, {in}, 2);
  auto real_ref = run(m, Backend::reference, Int8Mode::real, {in}, 2);
  auto off_ref = run(m, Backend::reference, Int8Mode::off, {in}, 2);
  auto off_fast = run(m, Backend::onednn, Int8Mode::off, {in}, 2);
  EXPECT_EQ(compare(sim_fast[0], sim_ref[0]), "");
  EXPECT_EQ(compare(sim_ref[0], real_ref[0], 1e-5f), "");  // fake-quant == real int8 up to float rounding
  EXPECT_NE(compare(sim_ref[0], off_ref[0], 1e-4f), "");
  EXPECT_EQ(compare(off_fast[0], off_ref[0]), "");
}

}  // namespace
}  // namespace qd::runtime
