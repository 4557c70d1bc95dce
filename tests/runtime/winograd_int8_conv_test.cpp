// Int8 Winograd F(2x2, 3x3) and F(4x4, 3x3) convs of the oneDNN executor: the kernel's int32 accumulators
// against the reference integer conv bit for bit (AVX2 and AVX-512 VNNI products, odd sizes, pads, channels
// not multiples of 16, 6- and 8-bit weights, worst-case magnitudes), and whole int8 models (fused Relu,
// residual add, requantized chains) against oneDNN's direct int8 path (identical outputs) and the
// reference runtime.
#include "runtime/onednn/winograd_int8_conv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "runtime/cpu_isa.h"
#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/onednn/onednn_executor.h"
#include "runtime/onednn/winograd_int8_probe.h"
#include "runtime/ref/int8.h"

namespace qd::runtime {
namespace {

using testing::absmax_step;
using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::random_tensor;

struct AccCase {
  std::string name;
  int64_t n, c, h, w, oc;
  int pad_top, pad_left, pad_bottom, pad_right;
  int weight_bits;
  bool extreme = false;   // every input 127, weights +-qmax: the largest transformed values and sums
  bool f23_only = false;  // |acc| may exceed F(4x4)'s bound
};

// Random (or extreme) u8 activations in [0, 127] as an i8 NCHW tensor and s8 weights in +-(2^(bits-1)-1).
Tensor wino8_random_ints(const Shape& s, int lo, int hi, uint32_t seed, bool extreme) {
  Tensor t(DataType::i8, s);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  for (int8_t& v : t.values<int8_t>()) v = static_cast<int8_t>(extreme ? (d(rng) >= 0 ? hi : lo) : d(rng));
  return t;
}

TEST(WinogradInt8Conv, AccumulatorsEqualReferenceIntegerConv) {
  const std::vector<AccCase> cases = {
      {"8x8 pad 1, 16 ch", 1, 16, 8, 8, 16, 1, 1, 1, 1, 8},
      {"odd 9x11, batch 2, 5 -> 11 ch", 2, 5, 9, 11, 11, 1, 1, 1, 1, 8},
      {"asymmetric pads, 17 -> 24 ch, 6-bit", 1, 17, 10, 9, 24, 0, 2, 2, 0, 6},
      {"no padding 7x5, 40 -> 3 ch", 1, 40, 7, 5, 3, 0, 0, 0, 0, 8},
      {"1x1 image", 1, 16, 1, 1, 16, 1, 1, 1, 1, 8},
      {"13x10 pad 1, 32 -> 20 ch", 1, 32, 13, 10, 20, 1, 1, 1, 1, 8},
      // |acc| up to 127 * 127 * 9 * 224 = 32.5M, just under F(4x4)'s 2^25 (and the largest |V| and |U|).
      {"extreme 8-bit, 224 ch 6x6", 1, 224, 6, 6, 16, 1, 1, 1, 1, 8, true},
      {"extreme 6-bit, 512 ch 5x7", 1, 512, 5, 7, 16, 1, 1, 1, 1, 6, true},
      {"extreme 8-bit, 512 ch 4x4 (F(2x2) only)", 1, 512, 4, 4, 32, 1, 1, 1, 1, 8, true, true},
  };
  for (const auto& c : cases) {
    ir::ConvAttrs a = conv_attrs(3);
    a.pad_top = c.pad_top, a.pad_left = c.pad_left, a.pad_bottom = c.pad_bottom, a.pad_right = c.pad_right;
    const int qmax = (1 << (c.weight_bits - 1)) - 1;
    const Tensor qx = wino8_random_ints({c.n, c.c, c.h, c.w}, 0, 127, 11, c.extreme);
    const Tensor qw = wino8_random_ints({c.oc, c.c, 3, 3}, -qmax, qmax, 12, c.extreme);
    const Tensor ref = ref::conv2d_int32(qx, qw, a);
    std::vector<uint8_t> src(static_cast<size_t>(qx.numel()));  // NCHW -> NHWC
    for (int64_t n = 0; n < c.n; ++n)
      for (int64_t ch = 0; ch < c.c; ++ch)
        for (int64_t p = 0; p < c.h * c.w; ++p)
          src[static_cast<size_t>((n * c.h * c.w + p) * c.c + ch)] =
              static_cast<uint8_t>(qx.data<int8_t>()[(n * c.c + ch) * c.h * c.w + p]);
    for (int tile : {2, 4}) {
      for (int run = 0; run < 4; ++run) {
        const int threads = run % 2 ? 3 : 1;
        const bool vnni = run >= 2;  // the vpdpwssd products, where the CPU has AVX-512 VNNI
        if (vnni && !onednn::winograd_int8_vnni_available()) continue;
        SCOPED_TRACE(c.name + ", tile " + std::to_string(tile) + ", blocks for " + std::to_string(threads) +
                     " threads" + (vnni ? ", vpdpwssd" : ""));
        if (tile == 4 && c.f23_only) {
          EXPECT_FALSE(onednn::winograd_int8_exact(qw, tile));
          continue;
        }
        ASSERT_TRUE(onednn::winograd_int8_exact(qw, tile));
        onednn::WinogradInt8Shape s;
        s.N = c.n, s.C = c.c, s.H = c.h, s.W = c.w, s.OC = c.oc;
        s.OH = ref.dim(2), s.OW = ref.dim(3);
        s.pad_top = c.pad_top, s.pad_left = c.pad_left;
        s.tile = tile;
        s.vnni = vnni;
        onednn::winograd_int8_plan(s, threads);
        const auto u = onednn::winograd_int8_weights(qw, tile, s.c_padded(), s.oc_padded());
        std::vector<int16_t> v(s.v_bytes() / sizeof(int16_t));
        std::vector<int32_t> m(s.m_bytes() / sizeof(int32_t));
        std::vector<int32_t> acc(static_cast<size_t>(ref.numel()), -1);
        onednn::winograd_int8_accumulate(s, src.data(), u.data(), v.data(), m.data(), acc.data());
        int mismatches = 0;
        const int64_t P = s.OH * s.OW;
        for (int64_t n = 0; n < c.n; ++n)
          for (int64_t o = 0; o < c.oc; ++o)
            for (int64_t p = 0; p < P; ++p)
              mismatches += acc[static_cast<size_t>((n * P + p) * c.oc + o)] !=
                            ref.data<int32_t>()[(n * c.oc + o) * P + p];
        EXPECT_EQ(mismatches, 0);
      }
    }
  }
}

TEST(WinogradInt8Conv, InexactWeightsAreRefused) {
  // |acc| <= 127 * sum|w|: F(2x2) needs it below 2^29, F(4x4) below 2^25.
  Tensor qw(DataType::i8, {2, 4000, 3, 3});
  for (int8_t& v : qw.values<int8_t>()) v = 1;  // 127 * 36000 = 4.6M
  EXPECT_TRUE(onednn::winograd_int8_exact(qw, 2));
  EXPECT_TRUE(onednn::winograd_int8_exact(qw, 4));
  qw.values<int8_t>()[40000] = 127;                             // second channel: 127 * (36000 + 126) = 4.6M
  for (int i = 0; i < 36000; ++i) qw.values<int8_t>()[i] = -8;  // first: 127 * 288000 = 36.6M
  EXPECT_TRUE(onednn::winograd_int8_exact(qw, 2));
  EXPECT_FALSE(onednn::winograd_int8_exact(qw, 4));
  for (int i = 0; i < 36000; ++i) qw.values<int8_t>()[i] = 127;  // 127 * 4.57M = 581M
  EXPECT_FALSE(onednn::winograd_int8_exact(qw, 2));
}

struct ModelCase {
  std::string name;
  Shape input;  // N, C, H, W
  int64_t mid_c, out_c;
  int pad_top, pad_left, pad_bottom, pad_right;  // of the Winograd convs
  int weight_bits;
};

// x -> conv0 -> relu -> conv1 (3x3) -> relu -> conv2 (3x3) + h -> relu -> conv3 (3x3, f32 out, +Relu):
// conv1 requantizes for conv2 (int8 -> int8), conv2 sums the residual h, conv3 emits f32.
ir::Model wino8_model(const ModelCase& c, const Tensor& sample) {
  GraphBuilder b;
  const int64_t C = c.input[1];
  ir::ValueId x = b.input("x", c.input);
  ir::ValueId h = b.node(ir::OpKind::Relu, {b.conv(x, C, c.mid_c, conv_attrs(1), 61)});
  ir::ConvAttrs a = conv_attrs(3);
  a.pad_top = c.pad_top, a.pad_left = c.pad_left, a.pad_bottom = c.pad_bottom, a.pad_right = c.pad_right;
  ir::ConvAttrs same = conv_attrs(3, 1, 1);
  ir::ValueId c1 = b.conv(h, c.mid_c, c.mid_c, same, 62);
  ir::ValueId c2 = b.conv(b.node(ir::OpKind::Relu, {c1}), c.mid_c, c.mid_c, same, 63);
  ir::ValueId r = b.node(ir::OpKind::Relu, {b.node(ir::OpKind::Add, {c2, h})});
  ir::ConvAttrs last = a;
  last.activation = ir::FusedActivation{ir::OpKind::Relu};
  ir::ValueId y = b.conv(r, c.mid_c, c.out_c, last, 64);
  b.output(y);
  ir::Model m = b.finish();
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
    q.weight_bits = c.weight_bits;
    q.weight_scales = testing::channel_steps(m.graph.value(n.inputs[1]).constant, c.weight_bits);
    m.quant.layers[n.name] = q;
  }
  const std::string c1_name = m.graph.node(m.graph.producer(c1)).name;
  const std::string c2_name = m.graph.node(m.graph.producer(c2)).name;
  m.quant.layers[c1_name].output_scale = m.quant.layers[c2_name].input_scale;
  return m;
}

Tensor wino8_run(const ir::Model& m, Backend backend, WinogradPolicy winograd, int threads, const Tensor& x,
                 std::string* plan = nullptr) {
  CompileOptions o;
  o.backend = backend;
  o.int8 = Int8Mode::real;
  o.threads = threads;
  o.min_parallel_work = 0;  // split every step, whatever the model size or machine load
  o.batch = x.dim(0);
  o.winograd = winograd;
  auto e = compile(m, o);
  if (plan) *plan = onednn_plan_summary(*e);
  return e->run({x})[0];
}

TEST(WinogradInt8Conv, ModelsMatchDirectInt8AndReference) {
  const std::vector<ModelCase> cases = {
      {"8x8, 16 ch", {1, 8, 8, 8}, 16, 16, 1, 1, 1, 1, 8},
      {"odd 9x7, batch 2, 20 ch, 6-bit", {2, 8, 9, 7}, 20, 12, 1, 1, 1, 1, 6},
      {"asymmetric pads, 24 -> 5 ch", {1, 4, 11, 10}, 24, 5, 0, 2, 2, 0, 8},
      {"no padding, 64 ch", {1, 16, 12, 12}, 64, 32, 0, 0, 0, 0, 8},
  };
  for (const auto& c : cases) {
    for (int threads : {1, 2}) {
      SCOPED_TRACE(c.name + ", threads " + std::to_string(threads));
      const Tensor x = random_tensor(c.input, 71, -2.f, 2.f);
      const ir::Model m = wino8_model(c, x);
      std::string plan, direct_plan;
      const Tensor wino = wino8_run(m, Backend::onednn, WinogradPolicy::always, threads, x, &plan);
      size_t count = 0;
      for (size_t p = plan.find("[winograd F("); p != std::string::npos; p = plan.find("[winograd", p + 1))
        ++count;
      EXPECT_EQ(count, 3u) << plan;
      EXPECT_NE(plan.find("int8->int8 +Relu [winograd"), std::string::npos) << plan;
      EXPECT_NE(plan.find("+sum(in-place) +Relu [winograd"), std::string::npos) << plan;
      const Tensor direct = wino8_run(m, Backend::onednn, WinogradPolicy::never, threads, x, &direct_plan);
      EXPECT_EQ(direct_plan.find("winograd"), std::string::npos) << direct_plan;
      ASSERT_EQ(wino.numel(), direct.numel());
      int differ = 0;
      for (int64_t i = 0; i < wino.numel(); ++i) differ += wino.data<float>()[i] != direct.data<float>()[i];
      EXPECT_EQ(differ, 0);
      const Tensor ref = wino8_run(m, Backend::reference, WinogradPolicy::never, threads, x);
      EXPECT_EQ(compare(wino, ref, 1e-4f), "");
    }
  }
}

TEST(WinogradInt8Conv, WhenFasterFollowsTheIsaAndTheMeasuredChoice) {
  // 16x16 x 64 ch: within both rules. AVX2-only: the Winograd always wins (measured, see
  // build_conv_winograd_int8); with AVX-512 VNNI only where this CPU's probe found it faster than oneDNN's
  // direct kernel; AVX-512 without VNNI: never.
  const ModelCase c{"16x16, 64 ch", {1, 16, 16, 16}, 64, 64, 1, 1, 1, 1, 8};
  const Tensor x = random_tensor(c.input, 73, -2.f, 2.f);
  const ir::Model m = wino8_model(c, x);
  std::string plan;
  const Tensor y = wino8_run(m, Backend::onednn, WinogradPolicy::when_faster, 1, x, &plan);
  const std::string isa = onednn_cpu_isa();
  const bool vnni = onednn::winograd_int8_vnni_available() &&
                    (isa == "avx512_core_vnni" || isa == "avx512_core_bf16" || isa == "avx512_core_amx");
  const bool expect =
      isa == "avx2" ||
      (vnni && onednn::winograd_int8_beats_direct_vnni(dnnl::engine(dnnl::engine::kind::cpu, 0)));
  size_t count = 0;
  for (size_t p = plan.find("[winograd F(4x4"); p != std::string::npos; p = plan.find("[winograd", p + 1))
    ++count;
  EXPECT_EQ(count, expect ? 3u : 0u) << isa << "\n" << plan;
  EXPECT_EQ(compare(y, wino8_run(m, Backend::reference, WinogradPolicy::never, 1, x), 1e-4f), "");
}

}  // namespace
}  // namespace qd::runtime
