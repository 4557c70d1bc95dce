#include "quant/analyse/quant_error_analysis.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ir/non_negative.h"
#include "quant/analyse/single_layer_model.h"
#include "quant/calibrate.h"
#include "runtime/graph_builder.h"

namespace qd::quant {
namespace {

using runtime::testing::conv_attrs;
using runtime::testing::GraphBuilder;
using runtime::testing::random_tensor;

// Random [n, 3, 8, 8] images, handed out in batches.
class RandomImages : public BatchSource {
 public:
  RandomImages(int images, int batch, uint32_t seed) : images_(images), batch_(batch), seed_(seed) {}
  bool next(Tensor& out) override {
    if (done_ >= images_) return false;
    const int n = std::min(batch_, images_ - done_);
    out = Tensor(DataType::f32, {n, 3, 8, 8});
    for (int i = 0; i < n; ++i) {  // image k depends only on k, not on the batching
      const Tensor img = random_tensor({1, 3, 8, 8}, seed_ + static_cast<uint32_t>(done_ + i), -2.f, 2.f);
      std::copy(img.values<float>().begin(), img.values<float>().end(),
                out.values<float>().begin() + i * 192);
    }
    done_ += n;
    return true;
  }
  size_t size() const override { return static_cast<size_t>((images_ + batch_ - 1) / batch_); }
  bool rewind() override {
    done_ = 0;
    return true;
  }

 private:
  int images_, batch_, done_ = 0;
  uint32_t seed_;
};

// input -> conv(3->8) relu -> conv(8->8) relu -> conv(8->8) relu -> conv(8->4): four quantizable layers.
ir::Model four_conv_model() {
  GraphBuilder b;
  ir::ValueId x = b.input("input", {kDynamicDim, 3, 8, 8});
  ir::ConvAttrs a = conv_attrs(3, 1, 1);
  ir::ConvAttrs relu = a;
  relu.activation = ir::FusedActivation{};
  x = b.conv(x, 3, 8, relu, 11);
  x = b.conv(x, 8, 8, relu, 21);
  x = b.conv(x, 8, 8, relu, 31);
  x = b.conv(x, 8, 4, a, 41);
  b.output(x);
  return b.finish();
}

std::vector<std::string> conv_names(const ir::Model& m) {
  std::vector<std::string> names;
  for (const ir::Node& n : m.graph.nodes()) names.push_back(n.name);
  return names;
}

ir::Model calibrated(const ir::Model& fp32) {
  RandomImages calib(32, 8, 1000);
  CalibOptions co;
  co.method = RangeMethod::minmax;
  co.target = DeployTarget::qdeploy;
  co.batch = 8;
  ir::Model int8 = fp32;
  int8.quant = calibrate(fp32, calib, co);
  return int8;
}

AnalysisResult analyse(const ir::Model& fp32, const ir::Model& int8, int images, int batch,
                       runtime::Backend backend = runtime::Backend::onednn) {
  RandomImages src(images, batch, 5000);
  AnalysisOptions o;
  o.batch = batch;
  o.backend = backend;
  return analyze_quant_error(fp32, int8, src, o);
}

TEST(QuantErrorAnalysis, ALayerWithAWrongScaleRanksWorst) {
  const ir::Model fp32 = four_conv_model();
  ir::Model int8 = calibrated(fp32);
  const std::vector<std::string> names = conv_names(fp32);
  ASSERT_EQ(int8.quant.layers.size(), 4u);
  // Layer 3's input step 30x too small: most of its input clips at 127 * step.
  int8.quant.layers[names[2]].input_scale /= 30.f;
  const AnalysisResult r = analyse(fp32, int8, 24, 8);
  ASSERT_EQ(r.layers.size(), 4u);
  EXPECT_EQ(r.images, 24u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(r.layers[i].node, names[i]);  // graph order
  const std::vector<size_t> worst = rank_worst_first(r, RankBy::layer_wise);
  EXPECT_EQ(worst[0], 2u);
  EXPECT_LT(r.layers[2].layer_wise.snr_db(), 10.0);
  EXPECT_GT(r.layers[2].input_clipped, r.layers[2].input_count / 4);
  for (size_t i : {0, 1, 3}) {
    EXPECT_GT(r.layers[i].layer_wise.snr_db(), 25.0) << names[i];  // 8-bit minmax on random data
    EXPECT_GT(r.layers[i].layer_wise.cosine(), 0.99) << names[i];
    EXPECT_LT(r.layers[i].input_clipped, r.layers[i].input_count / 100) << names[i];  // other images: a few
  }
  // Errors accumulate: the layer after the bad one is fine alone but bad in the int8 graph.
  EXPECT_LT(r.layers[3].graph_wise.snr_db(), r.layers[3].layer_wise.snr_db() - 10.0);
  // The first layer reads the graph input in both graphs: graph-wise and layer-wise coincide.
  EXPECT_DOUBLE_EQ(r.layers[0].graph_wise.snr_db(), r.layers[0].layer_wise.snr_db());
  EXPECT_EQ(r.layers[2].clip_threshold(), 127.0 * int8.quant.layers[names[2]].input_scale);
}

TEST(QuantErrorAnalysis, SmallLastBatchIsPaddedAndReferenceBackendAgrees) {
  const ir::Model fp32 = four_conv_model();
  const ir::Model int8 = calibrated(fp32);
  const AnalysisResult one = analyse(fp32, int8, 5, 1);
  const AnalysisResult padded = analyse(fp32, int8, 5, 4);  // batches of 4 and 1 (padded to 4)
  const AnalysisResult ref = analyse(fp32, int8, 5, 4, runtime::Backend::reference);
  ASSERT_EQ(padded.images, 5u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(padded.layers[i].input_count, one.layers[i].input_count);
    EXPECT_NEAR(padded.layers[i].layer_wise.snr_db(), one.layers[i].layer_wise.snr_db(), 0.05);
    EXPECT_NEAR(padded.layers[i].graph_wise.snr_db(), one.layers[i].graph_wise.snr_db(), 0.05);
    EXPECT_NEAR(ref.layers[i].layer_wise.snr_db(), padded.layers[i].layer_wise.snr_db(), 0.05);
    EXPECT_NEAR(ref.layers[i].graph_wise.snr_db(), padded.layers[i].graph_wise.snr_db(), 0.05);
  }
}

TEST(QuantErrorAnalysis, RefusesModelsThatDoNotMatch) {
  const ir::Model fp32 = four_conv_model();
  ir::Model int8 = calibrated(fp32);
  RandomImages src(4, 4, 1);
  AnalysisOptions o;
  o.batch = 4;
  EXPECT_THROW(analyze_quant_error(fp32, fp32, src, o), Error);  // nothing quantized
  int8.quant.layers["no_such_conv"] = int8.quant.layers.begin()->second;
  EXPECT_THROW(analyze_quant_error(fp32, int8, src, o), Error);
}

TEST(SingleLayerModel, ReluFrontIsAnIdentityOnNonNegativeInput) {
  const ir::Model fp32 = four_conv_model();
  const ir::Model int8 = calibrated(fp32);
  const ir::Node& second = fp32.graph.nodes()[1];
  EXPECT_TRUE(ir::non_negative_by_construction(fp32.graph, second.inputs[0]));  // after a fused ReLU
  EXPECT_FALSE(ir::non_negative_by_construction(fp32.graph, fp32.graph.nodes()[0].inputs[0]));  // graph input
  const ir::LayerQuant* q = int8.quant.find(second.name);
  runtime::CompileOptions c;
  c.batch = 2;
  auto with_relu = runtime::compile(single_layer_model(fp32.graph, second, q, true), c);
  auto without = runtime::compile(single_layer_model(fp32.graph, second, q, false), c);
  const Tensor x = random_tensor({2, 8, 8, 8}, 7, 0.f, 3.f);
  const Tensor a = with_relu->run({x})[0], b = without->run({x})[0];
  EXPECT_EQ(runtime::testing::compare(a, b, 1e-6f), "");
}

}  // namespace
}  // namespace qd::quant
