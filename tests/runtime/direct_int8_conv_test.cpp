// Direct int8 3x3 convs with int16 partial sums (oneDNN executor, AVX2): the kernel's int32 accumulators
// against the reference integer conv bit for bit (strides 1 and 2, odd sizes, pads, batch 2, channels not
// multiples of 16 or 32, small "trained-like" weights that take 8 int16 steps, full-range and extreme ones
// that take 1, the int16 bound at its edge), and whole int8 models (fused Relu, residual add, requantized
// chains, a stride-2 conv) against oneDNN's direct int8 path (identical outputs) and the reference runtime.
#include "runtime/onednn/direct_int8_conv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/onednn/onednn_executor.h"
#include "runtime/ref/int8.h"

namespace qd::runtime {
namespace {

using testing::absmax_step;
using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::random_tensor;

enum class WeightKind { small, full, extreme, mixed };

// s8 weights [OC, C, 3, 3]: small = |w| <= 6 with one +-127 per output channel (a trained conv's shape: 8
// int16 steps), full = uniform in +-127 (1 step), extreme = +-127 everywhere (1 step), mixed = small in
// the first 16 output channels, full in the rest.
Tensor direct8_weights(int64_t oc, int64_t c, WeightKind kind, uint32_t seed) {
  Tensor t(DataType::i8, {oc, c, 3, 3});
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> small(-6, 6), full(-127, 127), sign(0, 1);
  const int64_t per = c * 9;
  for (int64_t o = 0; o < oc; ++o)
    for (int64_t i = 0; i < per; ++i) {
      const bool is_small = kind == WeightKind::small || (kind == WeightKind::mixed && o < 16);
      const int v = kind == WeightKind::extreme ? (sign(rng) ? 127 : -127)
                    : is_small                  ? (i == (o * 7) % per ? (sign(rng) ? 127 : -127) : small(rng))
                                                : full(rng);
      t.data<int8_t>()[o * per + i] = static_cast<int8_t>(v);
    }
  return t;
}

struct Direct8Case {
  std::string name;
  int64_t n, c, h, w, oc;
  int stride, pad_top, pad_left, pad_bottom, pad_right;
  WeightKind weights;
  int steps_first_block;  // K steps summed in int16 expected for the first 16 output channels
};

// u8 activations in [0, 127] (all 127 with `extreme`) as NHWC bytes and the same as an i8 NCHW tensor.
void direct8_source(const Direct8Case& c, bool extreme, Tensor& qx, std::vector<uint8_t>& nhwc) {
  qx = Tensor(DataType::i8, {c.n, c.c, c.h, c.w});
  std::mt19937 rng(21);
  std::uniform_int_distribution<int> d(0, 127);
  for (int8_t& v : qx.values<int8_t>()) v = static_cast<int8_t>(extreme ? 127 : d(rng));
  nhwc.assign(static_cast<size_t>(qx.numel()), 0);
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t ch = 0; ch < c.c; ++ch)
      for (int64_t p = 0; p < c.h * c.w; ++p)
        nhwc[static_cast<size_t>((n * c.h * c.w + p) * c.c + ch)] =
            static_cast<uint8_t>(qx.data<int8_t>()[(n * c.c + ch) * c.h * c.w + p]);
}

// The kernel's accumulators for qw against the reference integer conv: the number of mismatches.
int direct8_mismatches(const Direct8Case& c, const Tensor& qx, const std::vector<uint8_t>& src,
                       const Tensor& qw, std::vector<uint8_t>* steps = nullptr) {
  ir::ConvAttrs a = conv_attrs(3, c.stride);
  a.pad_top = c.pad_top, a.pad_left = c.pad_left, a.pad_bottom = c.pad_bottom, a.pad_right = c.pad_right;
  const Tensor ref = ref::conv2d_int32(qx, qw, a);
  onednn::DirectInt8Shape s;
  s.N = c.n, s.C = c.c, s.H = c.h, s.W = c.w, s.OC = c.oc;
  s.OH = ref.dim(2), s.OW = ref.dim(3);
  s.stride = c.stride, s.pad_top = c.pad_top, s.pad_left = c.pad_left;
  const onednn::DirectInt8Weights w = onednn::direct_int8_weights(qw, s.c_padded());
  if (steps) *steps = w.steps;
  std::vector<uint8_t> scratch(s.scratch_bytes());
  std::vector<int32_t> acc(static_cast<size_t>(ref.numel()), -1);
  onednn::direct_int8_accumulate(s, src.data(), w, scratch.data(), acc.data());
  int mismatches = 0;
  const int64_t P = s.OH * s.OW;
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t o = 0; o < c.oc; ++o)
      for (int64_t p = 0; p < P; ++p)
        mismatches +=
            acc[static_cast<size_t>((n * P + p) * c.oc + o)] != ref.data<int32_t>()[(n * c.oc + o) * P + p];
  return mismatches;
}

TEST(DirectInt8Conv, AccumulatorsEqualReferenceIntegerConv) {
  const std::vector<Direct8Case> cases = {
      {"8x8 pad 1, 256 ch, small weights", 1, 256, 8, 8, 32, 1, 1, 1, 1, 1, WeightKind::small, 8},
      {"4x4 pad 1, 512 -> 48 ch, mixed", 1, 512, 4, 4, 48, 1, 1, 1, 1, 1, WeightKind::mixed, 8},
      {"stride 2, 16x16 -> 8x8, 64 -> 32 ch, full", 1, 64, 16, 16, 32, 2, 1, 1, 1, 1, WeightKind::full, 1},
      {"stride 2, odd 9x7, batch 2, 40 -> 20 ch, small", 2, 40, 9, 7, 20, 2, 1, 1, 1, 1, WeightKind::small,
       8},
      {"odd 5x7, batch 2, 5 -> 11 ch, small", 2, 5, 5, 7, 11, 1, 1, 1, 1, 1, WeightKind::small, 8},
      {"asymmetric pads, 17 -> 24 ch, mixed", 1, 17, 10, 9, 24, 1, 0, 2, 2, 0, WeightKind::mixed, 8},
      {"no padding 7x5, 36 -> 3 ch, full", 1, 36, 7, 5, 3, 1, 0, 0, 0, 0, WeightKind::full, 1},
      {"1x1 image, 16 ch", 1, 16, 1, 1, 16, 1, 1, 1, 1, 1, WeightKind::small, 8},
      // |acc| up to 127 * 127 * 9 * 512 = 74.3M; every int16 pair sum at its largest, 127 * 254 = 32258.
      {"extreme, 512 ch 4x4", 1, 512, 4, 4, 32, 1, 1, 1, 1, 1, WeightKind::extreme, 1},
      {"extreme, stride 2, 96 ch 6x6", 1, 96, 6, 6, 16, 2, 1, 1, 1, 1, WeightKind::extreme, 1},
  };
  for (const auto& c : cases) {
    for (bool extreme_source : {false, true}) {
      SCOPED_TRACE(c.name + (extreme_source ? ", sources all 127" : ", random sources"));
      Tensor qx;
      std::vector<uint8_t> src;
      direct8_source(c, extreme_source, qx, src);
      const Tensor qw = direct8_weights(c.oc, c.c, c.weights, 12);
      std::vector<uint8_t> steps;
      EXPECT_EQ(direct8_mismatches(c, qx, src, qw, &steps), 0);
      ASSERT_EQ(steps.size(), static_cast<size_t>((c.oc + 15) / 16 * 9));  // per block and tap
      for (int t = 0; t < 9; ++t) EXPECT_EQ(steps[t], c.steps_first_block) << "tap " << t;
      if (c.weights == WeightKind::mixed && c.oc > 16) {
        EXPECT_EQ(steps[9], 1);
      }
    }
  }
}

TEST(DirectInt8Conv, StepsKeepEveryInt16SumInRange) {
  // One output channel, 32 input channels: an int16 lane of k steps sums the products of 2k weights
  // (channels 4q + 2h + {0, 1}, q in a group of k, one tap). 127 * 258 = 32766 fits, 127 * 259 does not.
  const Direct8Case c{"edge", 1, 32, 3, 3, 1, 1, 1, 1, 1, 1, WeightKind::small, 0};
  Tensor qx;
  std::vector<uint8_t> src;
  direct8_source(c, true, qx, src);
  auto weights_with_lane_sum = [](int sum, int count) {
    // `sum` spread evenly over the first `count` of channels 0, 1, 4, 5, ..., 28, 29 of tap 4 (lane h = 0
    // of steps q = 0..7).
    Tensor qw(DataType::i8, {1, 32, 3, 3});
    for (int8_t& v : qw.values<int8_t>()) v = 0;
    for (int i = 0; i < count; ++i)
      qw.data<int8_t>()[(4 * (i / 2) + i % 2) * 9 + 4] = static_cast<int8_t>(sum / count + (i < sum % count));
    return qw;
  };
  std::vector<uint8_t> steps;  // per tap: the weights are at tap 4, the other taps (zeros) take 8 steps
  EXPECT_EQ(direct8_mismatches(c, qx, src, weights_with_lane_sum(258, 16), &steps), 0);
  EXPECT_EQ(steps[4], 8);
  EXPECT_EQ(direct8_mismatches(c, qx, src, weights_with_lane_sum(259, 16), &steps), 0);
  EXPECT_EQ(steps[4], 4);  // 8 steps hold 259, 4 steps (the first 8 weights) 130
  EXPECT_EQ(direct8_mismatches(c, qx, src, weights_with_lane_sum(259, 3), &steps), 0);
  EXPECT_EQ(steps[4], 1);  // 87 + 86 + 86 in steps 0 and 1: 2 steps hold 259, 1 step 173
  for (int t : {0, 1, 2, 3, 5, 6, 7, 8}) EXPECT_EQ(steps[t], 8) << "tap " << t;
}

TEST(DirectInt8Conv, StepsAreChosenTapByTap) {
  // Full-range weights at tap 0 only (one int16 step there), small ones elsewhere (8 steps): a block-wide
  // choice would sum every tap one step at a time. The accumulators stay exact with the mixed steps.
  const Direct8Case c{"taps", 1, 64, 6, 6, 16, 2, 1, 1, 1, 1, WeightKind::small, 0};
  Tensor qx;
  std::vector<uint8_t> src;
  direct8_source(c, true, qx, src);
  Tensor qw = direct8_weights(c.oc, c.c, WeightKind::small, 31);
  std::mt19937 rng(32);
  std::uniform_int_distribution<int> full(-127, 127);
  for (int64_t i = 0; i < qw.numel(); i += 9) qw.data<int8_t>()[i] = static_cast<int8_t>(full(rng));
  std::vector<uint8_t> steps;
  EXPECT_EQ(direct8_mismatches(c, qx, src, qw, &steps), 0);
  ASSERT_EQ(steps.size(), 9u);
  EXPECT_EQ(steps[0], 1);
  for (int t = 1; t < 9; ++t) EXPECT_LE(4, steps[t]) << "tap " << t;
}

struct Direct8ModelCase {
  std::string name;
  Shape input;  // N, C, H, W
  int64_t mid_c, out_c;
  int weight_bits;
};

// x -> conv0 (1x1) -> relu -> conv1 (3x3) -> relu -> conv2 (3x3) + h -> relu -> conv3 (3x3 stride 2, f32
// out, +Relu): conv1 requantizes for conv2 (int8 -> int8), conv2 sums the residual h in place. The 3x3
// weights are mostly small with one large weight per output channel (trained-like), except conv2's second
// block of 16 output channels (full range: one int16 step).
ir::Model direct8_model(const Direct8ModelCase& c, const Tensor& sample) {
  GraphBuilder b;
  const int64_t C = c.input[1];
  ir::ValueId x = b.input("x", c.input);
  ir::ValueId h = b.node(ir::OpKind::Relu, {b.conv(x, C, c.mid_c, conv_attrs(1), 81)});
  const ir::ConvAttrs same = conv_attrs(3, 1, 1);
  ir::ValueId c1 = b.conv(h, c.mid_c, c.mid_c, same, 82);
  ir::ValueId c2 = b.conv(b.node(ir::OpKind::Relu, {c1}), c.mid_c, c.mid_c, same, 83);
  ir::ValueId r = b.node(ir::OpKind::Relu, {b.node(ir::OpKind::Add, {c2, h})});
  ir::ConvAttrs down = conv_attrs(3, 2, 1);
  down.activation = ir::FusedActivation{ir::OpKind::Relu};
  ir::ValueId y = b.conv(r, c.mid_c, c.out_c, down, 84);
  b.output(y);
  ir::Model m = b.finish();
  for (ir::ValueId v : {c1, c2, y}) {
    const ir::Node& n = m.graph.node(m.graph.producer(v));
    Tensor& w = m.graph.value(n.inputs[1]).constant;
    const Tensor qw =
        direct8_weights(w.dim(0), w.dim(1), v == c2 ? WeightKind::mixed : WeightKind::small, 85);
    for (int64_t i = 0; i < w.numel(); ++i) w.data<float>()[i] = qw.data<int8_t>()[i] / 127.f;
  }
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

Tensor direct8_run(const ir::Model& m, Backend backend, KernelPolicy direct, int threads, const Tensor& x,
                   std::string* plan = nullptr) {
  CompileOptions o;
  o.backend = backend;
  o.int8 = Int8Mode::real;
  o.threads = threads;
  o.min_parallel_work = 0;  // split every step, whatever the model size or machine load
  o.batch = x.dim(0);
  o.winograd = WinogradPolicy::never;
  o.int8_direct = direct;
  auto e = compile(m, o);
  if (plan) *plan = onednn_plan_summary(*e);
  return e->run({x})[0];
}

TEST(DirectInt8Conv, ModelsMatchOneDnnDirectInt8AndReference) {
  const std::vector<Direct8ModelCase> cases = {
      {"8x8, 32 ch", {1, 8, 8, 8}, 32, 16, 8},
      {"odd 9x7, batch 2, 40 ch, 6-bit", {2, 8, 9, 7}, 40, 12, 6},
      {"4x4, 64 -> 5 ch", {1, 4, 4, 4}, 64, 5, 8},
  };
  for (const auto& c : cases) {
    for (int threads : {1, 2}) {
      SCOPED_TRACE(c.name + ", threads " + std::to_string(threads));
      const Tensor x = random_tensor(c.input, 91, -2.f, 2.f);
      const ir::Model m = direct8_model(c, x);
      std::string plan, onednn_plan;
      const Tensor ours = direct8_run(m, Backend::onednn, KernelPolicy::always, threads, x, &plan);
      EXPECT_EQ(testing::occurrences(plan, "[direct int16"), 3) << plan;
      EXPECT_NE(plan.find("int8->int8 +Relu [direct int16"), std::string::npos) << plan;
      EXPECT_NE(plan.find("+sum(in-place) +Relu [direct int16"), std::string::npos) << plan;
      const Tensor onednn = direct8_run(m, Backend::onednn, KernelPolicy::never, threads, x, &onednn_plan);
      EXPECT_EQ(onednn_plan.find("direct int16"), std::string::npos) << onednn_plan;
      ASSERT_EQ(ours.numel(), onednn.numel());
      int differ = 0;
      for (int64_t i = 0; i < ours.numel(); ++i) differ += ours.data<float>()[i] != onednn.data<float>()[i];
      EXPECT_EQ(differ, 0);
      const Tensor ref = direct8_run(m, Backend::reference, KernelPolicy::never, threads, x);
      EXPECT_EQ(compare(ours, ref, 1e-4f), "");
    }
  }
}

}  // namespace
}  // namespace qd::runtime
