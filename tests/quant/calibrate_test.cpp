// The calibration driver, run with an injected fake executor (so it needs no runtime kernels), plus one
// end-to-end test through runtime::compile guarded by QD_QUANT_TEST_REAL_RUNTIME.
#include "quant/calibrate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "quant/range_report.h"
#include "quant/ranges/range_methods.h"

#ifndef QD_QUANT_TEST_REAL_RUNTIME
#define QD_QUANT_TEST_REAL_RUNTIME 1  // 0 skips the test that needs runtime::compile
#endif

namespace qd::quant {
namespace {

// x [N,1,2,2] -> Conv conv1 (1x1, 2 out channels, w = {1, -2}) -> y -> Relu -> r -> Flatten -> f [N,8]
//   -> Gemm fc (B [8,3], trans_b = 0) -> out
struct TinyNet {
  ir::Model model;
  std::vector<float> fc_b;
  TinyNet() {
    ir::Graph& g = model.graph;
    const ir::ValueId x = g.add_value("x", DataType::f32, {-1, 1, 2, 2});
    g.inputs().push_back(x);
    const std::vector<float> w = {1.f, -2.f};
    const ir::ValueId wv = g.add_constant("w", Tensor::from<float>({2, 1, 1, 1}, w));
    const ir::ValueId y = g.add_value("y"), r = g.add_value("r"), f = g.add_value("f"),
                      out = g.add_value("out");
    g.add_node({"conv1", ir::OpKind::Conv, {x, wv}, {y}, ir::ConvAttrs{}});
    g.add_node({"relu", ir::OpKind::Relu, {y}, {r}, {}});
    g.add_node({"flat", ir::OpKind::Flatten, {r}, {f}, ir::AxisAttrs{1}});
    for (int i = 0; i < 24; ++i) fc_b.push_back(0.01f * (i % 3 + 1) * (i % 2 ? -1 : 1) * (i / 3 + 1));
    const ir::ValueId b = g.add_constant("fc_b", Tensor::from<float>({8, 3}, fc_b));
    g.add_node({"fc", ir::OpKind::Gemm, {f, b}, {out}, ir::GemmAttrs{}});
    g.outputs().push_back(out);
  }
};

// f = flatten(relu(conv1(x))) for one batch, computed directly.
std::vector<float> tiny_features(const Tensor& x) {
  const int64_t n = x.dim(0);
  const float* src = x.data<float>();
  std::vector<float> f(n * 8);
  const float w[2] = {1.f, -2.f};
  for (int64_t b = 0; b < n; ++b)
    for (int c = 0; c < 2; ++c)
      for (int i = 0; i < 4; ++i) f[b * 8 + c * 4 + i] = std::max(0.f, w[c] * src[b * 4 + i]);
  return f;
}

// Reports the values a real executor would tap: x (twice, to exercise de-duplication), f and out.
class FakeExecutor : public runtime::Executor {
 public:
  explicit FakeExecutor(int64_t batch, bool poison = false) : batch_(batch), poison_(poison) {}
  std::vector<Tensor> run(const std::vector<Tensor>& inputs, const runtime::Tap& tap) override {
    EXPECT_EQ(inputs.size(), 1u);
    EXPECT_EQ(inputs[0].dim(0), batch_);
    std::vector<float> f = tiny_features(inputs[0]);
    if (poison_) f[1] = NAN;
    const Tensor ft = Tensor::from<float>({batch_, 8}, f);
    if (tap) {
      tap("x", inputs[0]);
      tap("f", ft);
      tap("x", inputs[0]);
      tap("out", Tensor(DataType::f32, {batch_, 3}));
    }
    return {Tensor(DataType::f32, {batch_, 3})};
  }

 private:
  int64_t batch_;
  bool poison_;
};

class VectorSource : public BatchSource {
 public:
  explicit VectorSource(std::vector<Tensor> batches, bool can_rewind = true)
      : batches_(std::move(batches)), can_rewind_(can_rewind) {}
  bool next(Tensor& batch) override {
    if (i_ >= batches_.size()) return false;
    batch = batches_[i_++];
    return true;
  }
  size_t size() const override { return batches_.size(); }
  bool rewind() override {
    if (!can_rewind_) return false;
    i_ = 0;
    ++rewinds;
    return true;
  }
  int rewinds = 0;

 private:
  std::vector<Tensor> batches_;
  bool can_rewind_;
  size_t i_ = 0;
};

// Batches of 2, 2 and 1 images with values spanning [-3, 2.5].
std::vector<Tensor> tiny_batches() {
  const std::vector<float> b0 = {0.5f, -1.f, 2.f, 0.f, 1.f, 1.5f, -0.5f, 0.25f};
  const std::vector<float> b1 = {-3.f, 0.1f, 0.2f, 0.3f, 2.5f, -0.2f, 0.f, 1.f};
  const std::vector<float> b2 = {0.7f, -0.7f, 0.4f, 0.6f};
  return {Tensor::from<float>({2, 1, 2, 2}, b0), Tensor::from<float>({2, 1, 2, 2}, b1),
          Tensor::from<float>({1, 1, 2, 2}, b2)};
}

struct FakeFactory {
  std::vector<int64_t> compiled;  // batch sizes compiled
  bool poison = false;
  ExecutorFactory get() {
    return [this](const ir::Model&, int64_t batch) {
      compiled.push_back(batch);
      return std::make_unique<FakeExecutor>(batch, poison);
    };
  }
};

TEST(Calibrate, QuantizableNodesAreConvAndGemmWithConstantWeights) {
  TinyNet net;
  const std::vector<QuantizableNode> q = quantizable_nodes(net.model.graph);
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(net.model.graph.node(q[0].node).name, "conv1");
  EXPECT_EQ(net.model.graph.value(q[0].input).name, "x");
  EXPECT_EQ(net.model.graph.node(q[1].node).name, "fc");
  EXPECT_EQ(net.model.graph.value(q[1].weight).name, "fc_b");
}

TEST(Calibrate, CollectsOncePerValuePerBatchAndComputesMinMaxParams) {
  TinyNet net;
  VectorSource src(tiny_batches());
  FakeFactory factory;
  std::vector<std::pair<size_t, size_t>> progress;
  CalibOptions opt;
  opt.method = RangeMethod::minmax;
  opt.batch = 2;
  const CalibrationStats stats = collect_stats(net.model, src, opt, factory.get(),
                                               [&](size_t d, size_t t) { progress.emplace_back(d, t); });
  EXPECT_EQ(factory.compiled, (std::vector<int64_t>{2, 1}));  // one executor per batch size
  EXPECT_EQ(progress, (std::vector<std::pair<size_t, size_t>>{{1, 3}, {2, 3}, {3, 3}}));
  EXPECT_EQ(stats.batches, 3u);
  EXPECT_EQ(stats.samples, 5u);
  ASSERT_EQ(stats.values.size(), 2u);  // x and f only
  const ActivationStats* x = stats.find("x");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->samples, 5u);  // tapped twice per batch and fed by the driver: still counted once
  EXPECT_EQ(x->minmax.count(), 20u);
  EXPECT_EQ(x->elements_per_sample, 4);
  EXPECT_EQ(x->absmax(), 3.f);

  // Independent expectation for f: max over batches of relu(w * x).
  float f_absmax = 0.f;
  for (const Tensor& b : tiny_batches())
    for (float v : tiny_features(b)) f_absmax = std::max(f_absmax, v);
  EXPECT_EQ(stats.find("f")->absmax(), f_absmax);  // 6 = -2 * -3

  const ir::QuantParams p = params_from_stats(stats, net.model, opt);
  ASSERT_EQ(p.layers.size(), 2u);
  const ir::LayerQuant& conv = p.layers.at("conv1");
  EXPECT_FLOAT_EQ(conv.input_scale, 3.f / 127);
  EXPECT_EQ(conv.weight_bits, 8);  // 1x1 conv: no 6-bit rule
  ASSERT_EQ(conv.weight_scales.size(), 2u);
  EXPECT_FLOAT_EQ(conv.weight_scales[0], 1.f / 127);
  EXPECT_FLOAT_EQ(conv.weight_scales[1], 2.f / 127);
  EXPECT_EQ(conv.output_scale, 0.f);
  const ir::LayerQuant& fc = p.layers.at("fc");
  EXPECT_FLOAT_EQ(fc.input_scale, f_absmax / 127);
  ASSERT_EQ(fc.weight_scales.size(), 3u);  // per output column of B [8, 3]
  for (int c = 0; c < 3; ++c) {
    float m = 0.f;
    for (int k = 0; k < 8; ++k) m = std::max(m, std::fabs(net.fc_b[k * 3 + c]));
    EXPECT_FLOAT_EQ(fc.weight_scales[c], m / 127) << c;
  }
}

TEST(Calibrate, CollectOnceComputeManyMethods) {
  TinyNet net;
  VectorSource src(tiny_batches());
  FakeFactory factory;
  CalibOptions opt;
  const CalibrationStats stats = collect_stats(net.model, src, opt, factory.get());
  for (const std::string& m : range_method_names()) {
    opt.method = parse_range_method(m);
    const ir::QuantParams p = params_from_stats(stats, net.model, opt);
    const float t = compute_threshold(opt.method, *stats.find("f"), range_options(opt));
    EXPECT_FLOAT_EQ(p.layers.at("fc").input_scale, t > 0 ? t / 127 : 1.f) << m;
    EXPECT_GT(p.layers.at("fc").input_scale, 0.f) << m;
    EXPECT_TRUE(std::isfinite(1.f / p.layers.at("conv1").input_scale)) << m;
  }
  EXPECT_EQ(factory.compiled.size(), 2u);  // the model ran once per batch size, not once per method
}

TEST(Calibrate, KlForNcnnMakesASecondPassForHistogramsOverAbsmax) {
  TinyNet net;
  VectorSource src(tiny_batches());
  FakeFactory factory;
  std::vector<std::pair<size_t, size_t>> progress;
  CalibOptions opt;  // kl, target ncnn
  opt.batch = 2;
  const CalibrationStats stats = collect_stats(net.model, src, opt, factory.get(),
                                               [&](size_t d, size_t t) { progress.emplace_back(d, t); });
  EXPECT_EQ(src.rewinds, 1);
  EXPECT_EQ(factory.compiled, (std::vector<int64_t>{2, 1}));  // the executors serve both passes
  ASSERT_EQ(progress.size(), 6u);
  EXPECT_EQ(progress.back(), (std::pair<size_t, size_t>{6, 6}));
  EXPECT_EQ(stats.batches, 3u);  // the second pass adds histograms only
  const ActivationStats& x = *stats.find("x");
  EXPECT_EQ(x.samples, 5u);
  // x's 18 non-zero |x| of tiny_batches() in 2048 bins over [0, 3]: bin = int(|x| / 3 * 2048), 3 itself in
  // the last bin; the two zeros are skipped and the duplicate tap counts once.
  ASSERT_TRUE(x.kl_histogram.collected());
  EXPECT_EQ(x.kl_histogram.num_bins(), 2048);
  EXPECT_EQ(x.kl_histogram.range(), 3.f);
  EXPECT_EQ(x.kl_histogram.nonzero_count(), 18u);
  const auto counts = x.kl_histogram.counts();
  EXPECT_EQ(counts[2047], 1u);  // 3
  EXPECT_EQ(counts[1706], 1u);  // 2.5 -> 1706.67
  EXPECT_EQ(counts[1365], 1u);  // 2 -> 1365.33
  EXPECT_EQ(counts[682], 3u);   // 1, 1, 1 -> 682.67
  EXPECT_EQ(counts[341], 2u);   // 0.5, 0.5 -> 341.33
  EXPECT_EQ(counts[477], 2u);   // 0.7, 0.7 -> 477.87
  EXPECT_EQ(counts[0], 0u);
  EXPECT_TRUE(stats.find("f")->kl_histogram.collected());
}

TEST(Calibrate, OtherMethodsTargetsAndSourcesThatCannotRewindMakeOnePass) {
  TinyNet net;
  FakeFactory factory;
  CalibOptions opt;
  opt.method = RangeMethod::minmax;
  VectorSource src(tiny_batches());
  const CalibrationStats one_pass = collect_stats(net.model, src, opt, factory.get());
  EXPECT_EQ(src.rewinds, 0);
  EXPECT_FALSE(one_pass.find("x")->kl_histogram.collected());

  opt.method = RangeMethod::kl;
  opt.target = DeployTarget::qdeploy;  // kl on the streaming histogram
  VectorSource one_target_pass(tiny_batches());
  EXPECT_FALSE(
      collect_stats(net.model, one_target_pass, opt, factory.get()).find("x")->kl_histogram.collected());
  EXPECT_EQ(one_target_pass.rewinds, 0);

  opt.target = DeployTarget::ncnn;
  VectorSource once(tiny_batches(), /*can_rewind=*/false);
  const CalibrationStats streaming = collect_stats(net.model, once, opt, factory.get());
  EXPECT_FALSE(streaming.find("x")->kl_histogram.collected());
  EXPECT_GT(compute_threshold(RangeMethod::kl, *streaming.find("x"), range_options(opt)), 0.f);
}

TEST(Calibrate, RangeReportComparesMethodsOnOneCollection) {
  TinyNet net;
  VectorSource src(tiny_batches());
  FakeFactory factory;
  const CalibrationStats stats = collect_stats(net.model, src, CalibOptions{}, factory.get());
  const RangeReport r = range_report(stats, net.model, RangeOptions{});
  EXPECT_EQ(r.methods, range_methods());
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].node, "conv1");
  EXPECT_EQ(r.rows[1].value, "f");
  EXPECT_EQ(r.rows[1].absmax, 6.f);
  // f = relu of 2 channels: zeros where w * x <= 0 (x = 0 gives zeros in both channels).
  size_t zeros = 0, total = 0;
  for (const Tensor& b : tiny_batches())
    for (float v : tiny_features(b)) zeros += (v == 0.f), ++total;
  EXPECT_DOUBLE_EQ(r.rows[1].zero_fraction, static_cast<double>(zeros) / total);
  for (size_t m = 0; m < r.methods.size(); ++m)
    EXPECT_EQ(r.rows[1].thresholds[m], compute_threshold(r.methods[m], *stats.find("f"), RangeOptions{}));
  const std::string text = format_range_report(r);
  EXPECT_NE(text.find("conv1"), std::string::npos);
  EXPECT_NE(text.find("percentile"), std::string::npos);
  EXPECT_THROW(parse_range_method("bogus"), Error);
}

TEST(Calibrate, ForcedWeightBitsAndNcnnGroupedConvScales) {
  // x [N,4,1,1] -> Conv g (1x1, group 2, 4 out) with channel absmax {1, 3, 2, 0.5}.
  ir::Model m;
  const ir::ValueId x = m.graph.add_value("x", DataType::f32, {-1, 4, 1, 1});
  m.graph.inputs().push_back(x);
  const std::vector<float> w = {1.f, -0.5f, 0.f, 3.f, -2.f, 1.f, 0.5f, 0.25f};
  const ir::ValueId wv = m.graph.add_constant("w", Tensor::from<float>({4, 2, 1, 1}, w));
  const ir::ValueId y = m.graph.add_value("y");
  ir::ConvAttrs a;
  a.group = 2;
  m.graph.add_node({"g", ir::OpKind::Conv, {x, wv}, {y}, a});
  m.graph.outputs().push_back(y);
  CalibrationStats stats;
  stats.values.emplace("x", ActivationStats{})
      .first->second.observe(std::vector<float>{1.f, -2.f, 0.5f, 0.f}, 1);

  CalibOptions opt;
  opt.method = RangeMethod::minmax;
  const ir::LayerQuant ncnn = params_from_stats(stats, m, opt).layers.at("g");
  EXPECT_EQ(ncnn.weight_scales, (std::vector<double>{3.0 / 127, 3.0 / 127, 2.0 / 127, 2.0 / 127}));
  opt.target = DeployTarget::qdeploy;
  const ir::LayerQuant ours = params_from_stats(stats, m, opt).layers.at("g");
  EXPECT_EQ(ours.weight_scales, (std::vector<double>{1.0 / 127, 3.0 / 127, 2.0 / 127, 0.5 / 127}));
  opt.weight_bits = 4;
  const ir::LayerQuant w4 = params_from_stats(stats, m, opt).layers.at("g");
  EXPECT_EQ(w4.weight_bits, 4);
  EXPECT_FLOAT_EQ(w4.weight_scales[1], 3.f / 7);
  opt.weight_bits = 5;
  EXPECT_THROW(params_from_stats(stats, m, opt), Error);
}

TEST(Calibrate, NcnnDepthwiseOfEightChannelPacksDequantizesAsNcnn) {
  // x [N,C,1,1] -> depthwise 1x1 conv; only ncnn's packed kernel (C % 8 == 0) uses the reciprocal estimate.
  for (const int64_t c : {16, 12}) {
    ir::Model m;
    const ir::ValueId x = m.graph.add_value("x", DataType::f32, {-1, c, 1, 1});
    m.graph.inputs().push_back(x);
    std::vector<float> w(c);
    for (int64_t i = 0; i < c; ++i) w[i] = 0.5f + static_cast<float>(i);
    const ir::ValueId wv = m.graph.add_constant("w", Tensor::from<float>({c, 1, 1, 1}, w));
    const ir::ValueId y = m.graph.add_value("y");
    ir::ConvAttrs a;
    a.group = static_cast<int>(c);
    m.graph.add_node({"dw", ir::OpKind::Conv, {x, wv}, {y}, a});
    m.graph.outputs().push_back(y);
    CalibrationStats stats;
    stats.values.emplace("x", ActivationStats{}).first->second.observe(std::vector<float>{1.f, -2.f}, 1);
    CalibOptions opt;
    opt.method = RangeMethod::minmax;
    EXPECT_EQ(params_from_stats(stats, m, opt).layers.at("dw").dequant_reciprocal_estimate, c == 16) << c;
    opt.target = DeployTarget::qdeploy;  // our own runtime divides exactly
    EXPECT_FALSE(params_from_stats(stats, m, opt).layers.at("dw").dequant_reciprocal_estimate) << c;
  }
}

TEST(Calibrate, ErrorsNameTheProblem) {
  TinyNet net;
  FakeFactory factory;
  CalibOptions opt;
  {
    VectorSource empty({});
    EXPECT_THROW(collect_stats(net.model, empty, opt, factory.get()), Error);
  }
  {
    VectorSource src(tiny_batches());
    factory.poison = true;
    try {
      collect_stats(net.model, src, opt, factory.get());
      FAIL();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("'f'"), std::string::npos) << e.what();
    }
    factory.poison = false;
  }
  {
    VectorSource src(tiny_batches());
    const CalibrationStats stats = collect_stats(net.model, src, opt, factory.get());
    EXPECT_THROW(parse_range_method("entropy"), Error);
    EXPECT_THROW(parse_deploy_target("tflite"), Error);
    opt.target = DeployTarget::ncnn;
    CalibrationStats missing = stats;
    missing.values.erase("f");
    try {
      params_from_stats(missing, net.model, opt);
      FAIL();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("fc"), std::string::npos) << e.what();
    }
  }
}

#if QD_QUANT_TEST_REAL_RUNTIME
// x [N,1,4,4] -> conv1 (3x3, pad 1, 2 out) -> relu -> r -> conv2 (1x1, 1 out) through the real fp32 runtime:
// conv2's input statistics come from the runtime's tap of r, checked against a naive conv + relu.
TEST(CalibrateRuntime, TwoConvsThroughOneDnn) {
  ir::Model m;
  ir::Graph& g = m.graph;
  const ir::ValueId x = g.add_value("x", DataType::f32, {-1, 1, 4, 4});
  g.inputs().push_back(x);
  std::vector<float> w1(2 * 9);
  for (size_t i = 0; i < w1.size(); ++i) w1[i] = 0.1f * (static_cast<int>(i) - 8);
  const std::vector<float> w2 = {0.5f, -0.25f};
  const ir::ValueId w1v = g.add_constant("w1", Tensor::from<float>({2, 1, 3, 3}, w1));
  const ir::ValueId w2v = g.add_constant("w2", Tensor::from<float>({1, 2, 1, 1}, w2));
  const ir::ValueId y = g.add_value("y", DataType::f32, {-1, 2, 4, 4});
  const ir::ValueId r = g.add_value("r", DataType::f32, {-1, 2, 4, 4});
  const ir::ValueId z = g.add_value("z", DataType::f32, {-1, 1, 4, 4});
  ir::ConvAttrs a;
  a.kernel_h = a.kernel_w = 3;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = 1;
  g.add_node({"conv1", ir::OpKind::Conv, {x, w1v}, {y}, a});
  g.add_node({"relu", ir::OpKind::Relu, {y}, {r}, {}});
  g.add_node({"conv2", ir::OpKind::Conv, {r, w2v}, {z}, ir::ConvAttrs{}});
  g.outputs().push_back(z);

  // Batches of 2, 2 and 1 images; naive absmax of x and of relu(conv1(x)).
  std::vector<Tensor> batches;
  float x_absmax = 0.f, r_absmax = 0.f;
  for (int b = 0; b < 3; ++b) {
    const int n = b < 2 ? 2 : 1;
    std::vector<float> v(n * 16);
    for (int i = 0; i < n * 16; ++i) v[i] = std::sin(0.7f * i + b) * (b + 1);
    for (int img = 0; img < n; ++img) {
      for (int i = 0; i < 16; ++i) x_absmax = std::max(x_absmax, std::fabs(v[img * 16 + i]));
      for (int o = 0; o < 2; ++o)
        for (int h = 0; h < 4; ++h)
          for (int wx = 0; wx < 4; ++wx) {
            float acc = 0.f;
            for (int kh = 0; kh < 3; ++kh)
              for (int kw = 0; kw < 3; ++kw) {
                const int ih = h + kh - 1, iw = wx + kw - 1;
                if (ih < 0 || ih > 3 || iw < 0 || iw > 3) continue;
                acc += w1[o * 9 + kh * 3 + kw] * v[img * 16 + ih * 4 + iw];
              }
            r_absmax = std::max(r_absmax, acc);
          }
    }
    batches.push_back(Tensor::from<float>({n, 1, 4, 4}, v));
  }
  VectorSource src(batches);
  CalibOptions opt;
  opt.method = RangeMethod::minmax;
  opt.num_threads = 1;
  opt.batch = 2;
  const ir::QuantParams p = calibrate(m, src, opt);
  const ir::LayerQuant& c1 = p.layers.at("conv1");
  EXPECT_FLOAT_EQ(c1.input_scale, x_absmax / 127);
  EXPECT_EQ(c1.weight_bits, 6);  // ncnn: 3x3 s1 d1 g1
  EXPECT_FLOAT_EQ(c1.weight_scales[0], 0.8f / 31);
  EXPECT_FLOAT_EQ(c1.weight_scales[1], 0.9f / 31);
  const ir::LayerQuant& c2 = p.layers.at("conv2");
  EXPECT_NEAR(c2.input_scale, r_absmax / 127, 1e-5 * r_absmax / 127);
  EXPECT_EQ(c2.weight_bits, 8);
}
#endif

}  // namespace
}  // namespace qd::quant
