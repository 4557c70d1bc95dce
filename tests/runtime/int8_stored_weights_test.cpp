// Int8 weights kept as read from an int8 file (Tensor::int8_rows): stored_int8_weights hands them out only
// when they equal quantize_weights of their dequantization, and the oneDNN int8 path built from them gives
// the same bits as the one that requantizes plain fp32 weights.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/ref/int8.h"

namespace qd::runtime {
namespace {

using testing::conv_attrs;
using testing::GraphBuilder;
using testing::random_tensor;

// Random int8 rows with |q| <= qmax and ncnn-like steps 1/m (m a float multiplier, the step a double
// rounded to float, as the ncnn reader makes them).
Int8Rows stored_random_rows(const Shape& shape, uint32_t seed, int qmax = 127) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> qd(-qmax, qmax);
  std::uniform_real_distribution<float> md(20.f, 3000.f);
  Tensor q(DataType::i8, shape);
  for (int8_t& v : q.values<int8_t>()) v = static_cast<int8_t>(qd(rng));
  Int8Rows rows{q, {}, qmax};
  for (int64_t o = 0; o < shape[0]; ++o) rows.steps.push_back(static_cast<float>(1.0 / md(rng)));
  return rows;
}

std::vector<double> stored_steps_of(const Int8Rows& rows) {
  std::vector<double> s;
  for (float v : rows.steps) s.push_back(static_cast<double>(v));  // rounds back to the same float
  return s;
}

bool stored_same_bytes(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

TEST(StoredInt8Weights, EqualToRequantizingTheirDequantization) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    const Int8Rows rows = stored_random_rows({24, 8, 3, 3}, seed);
    const Tensor w = Tensor::dequantized_on_demand(rows);
    const std::vector<double> steps = stored_steps_of(rows);
    const Tensor stored = ref::stored_int8_weights(w, steps, 8);
    ASSERT_FALSE(stored.empty());
    EXPECT_EQ(stored.raw(), rows.q.raw());  // the file's bytes, not a copy
    EXPECT_TRUE(stored_same_bytes(stored, ref::quantize_weights(w.clone(), steps, 8)));
  }
}

TEST(StoredInt8Weights, RefusedWhenRequantizingWouldDiffer) {
  Int8Rows rows = stored_random_rows({4, 5}, 7);
  const Tensor w = Tensor::dequantized_on_demand(rows);
  std::vector<double> steps = stored_steps_of(rows);
  EXPECT_TRUE(ref::stored_int8_weights(w.clone(), steps, 8).empty());  // plain fp32: nothing stored
  EXPECT_TRUE(ref::stored_int8_weights(w, steps, 6).empty());          // 6-bit would clamp |q| > 31
  std::vector<double> other = steps;
  other[2] *= 1.5;
  EXPECT_TRUE(ref::stored_int8_weights(w, other, 8).empty());
  EXPECT_TRUE(ref::stored_int8_weights(w, {steps[0]}, 8).empty());  // one step for all: differs per row
  other = steps;
  other[1] = 0;  // a zero step quantizes the row to 0, but the row is not 0
  EXPECT_TRUE(ref::stored_int8_weights(w, other, 8).empty());

  // A narrow range that clamps nothing, and a zero step on an all-zero row, are the same as requantizing.
  Int8Rows narrow = stored_random_rows({3, 6}, 8, 31);
  for (int i = 0; i < 6; ++i) narrow.q.data<int8_t>()[6 + i] = 0;
  const Tensor wn = Tensor::dequantized_on_demand(narrow);
  std::vector<double> narrow_steps = stored_steps_of(narrow);
  narrow_steps[1] = 0;
  const Tensor stored = ref::stored_int8_weights(wn, narrow_steps, 6);
  ASSERT_FALSE(stored.empty());
  EXPECT_TRUE(stored_same_bytes(stored, ref::quantize_weights(wn.clone(), narrow_steps, 6)));
}

std::vector<Tensor> stored_run(const ir::Model& m, Backend backend, const Tensor& in) {
  CompileOptions o;
  o.backend = backend;
  o.threads = 1;
  return compile(m, o)->run({in});
}

// A model whose weights are dequantized int8 rows: a signed-input conv, a depthwise conv, a 1x1 conv and a
// Gemm (B transposed, as ncnn's InnerProduct), each int8.
ir::Model stored_int8_model() {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {1, 8, 6, 6});
  std::vector<ir::ValueId> weights;
  auto conv = [&](ir::ValueId in, int64_t in_c, int64_t out_c, ir::ConvAttrs a, uint32_t seed) {
    const Int8Rows rows = stored_random_rows({out_c, in_c / a.group, a.kernel_h, a.kernel_w}, seed);
    weights.push_back(b.constant(Tensor::dequantized_on_demand(rows)));
    return b.node(ir::OpKind::Conv, {in, weights.back(), b.constant(random_tensor({out_c}, seed + 1))}, a);
  };
  ir::ConvAttrs relu = conv_attrs(3, 1, 1);
  relu.activation = ir::FusedActivation{ir::OpKind::Relu};
  const ir::ValueId c1 = conv(x, 8, 16, relu, 11);  // signed input
  ir::ConvAttrs dw = conv_attrs(3, 1, 1, 16);
  dw.activation = ir::FusedActivation{ir::OpKind::Relu};
  const ir::ValueId c2 = conv(c1, 16, 16, dw, 13);
  const ir::ValueId c3 = conv(c2, 16, 12, conv_attrs(1), 15);
  const ir::ValueId r = b.node(ir::OpKind::Relu, {c3});
  const ir::ValueId flat = b.node(ir::OpKind::Flatten, {r}, ir::AxisAttrs{1});
  ir::GemmAttrs ga;
  ga.trans_b = true;
  ga.alpha = 0.5f;
  weights.push_back(b.constant(Tensor::dequantized_on_demand(stored_random_rows({10, 12 * 36}, 17))));
  const ir::ValueId y =
      b.node(ir::OpKind::Gemm, {flat, weights.back(), b.constant(random_tensor({10}, 18))}, ga);
  b.output(y);
  ir::Model m = b.finish();
  const float input_steps[] = {1.f / 100, 1.f / 30, 1.f / 20, 1.f / 10};
  int k = 0;
  for (const ir::Node& n : m.graph.nodes()) {
    if (n.op != ir::OpKind::Conv && n.op != ir::OpKind::Gemm) continue;
    ir::LayerQuant q;
    q.input_scale = input_steps[k++];
    q.weight_scales = stored_steps_of(*m.graph.value(n.inputs[1]).constant.int8_rows());
    m.quant.layers[n.name] = q;
  }
  return m;
}

TEST(StoredInt8Weights, OneDnnInt8GivesTheSameBitsAsRequantizedWeights) {
  const ir::Model stored = stored_int8_model();
  ir::Model plain = stored;  // the same values as plain fp32 constants: the runtime requantizes them
  for (ir::Node& n : plain.graph.nodes())
    if (n.op == ir::OpKind::Conv || n.op == ir::OpKind::Gemm) {
      ir::Value& w = plain.graph.value(n.inputs[1]);
      w.constant = w.constant.clone();
      ASSERT_EQ(w.constant.int8_rows(), nullptr);
    }
  const Tensor in = random_tensor({1, 8, 6, 6}, 19);
  const auto from_stored = stored_run(stored, Backend::onednn, in);
  const auto from_plain = stored_run(plain, Backend::onednn, in);
  ASSERT_EQ(from_stored.size(), 1u);
  EXPECT_TRUE(stored_same_bytes(from_stored[0], from_plain[0]));
  // And the int8 reference's result.
  EXPECT_EQ(testing::compare(from_stored[0], stored_run(plain, Backend::reference, in)[0], 1e-5f), "");
  // The stored weights still carry their int8 form (nothing wrote to them).
  for (const ir::Node& n : stored.graph.nodes())
    if (n.op == ir::OpKind::Conv) EXPECT_NE(stored.graph.value(n.inputs[1]).constant.int8_rows(), nullptr);
}

}  // namespace
}  // namespace qd::runtime
