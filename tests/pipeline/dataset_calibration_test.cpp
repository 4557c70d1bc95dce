// DatasetCalibration is the calibrate sequence of `qdeploy calibrate` and `deploy` as a library function:
// the same QuantParams as quant::calibrate over the same images, PTQ passes applied, skipped images
// reported through the caller's handler (library code prints nothing).
#include "pipeline/dataset_calibration.h"

#include <gtest/gtest.h>

#include "data/test_files.h"
#include "runtime/graph_builder.h"

namespace qd::pipeline {
namespace {

ir::Model two_conv_model() { return runtime::testing::conv_relu_conv_model(3, 8, 6, 4, 1, 11); }

// Four 8x8 PNGs with structure, plus one file that is not an image.
std::string calibration_folder(const test::TempDir& dir) {
  const std::string d = dir / "calib";
  for (int k = 0; k < 4; ++k) {
    std::vector<uint8_t> px(8 * 8 * 3);
    for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>((i * 29 + k * 71) % 253);
    test::write_png(d + "/img" + std::to_string(k) + ".png", 8, 8, 3, px);
  }
  test::write_bytes(d + "/broken.png", "not a png");
  return d;
}

ModelConfig config_8x8() {
  ModelConfig c;
  c.input_shape = {1, 3, 8, 8};
  c.preprocess.width = c.preprocess.height = 8;
  c.preprocess.mean = {127.f, 127.f, 127.f};
  c.preprocess.std = {60.f, 60.f, 60.f};
  return c;
}

TEST(DatasetCalibration, SameParamsAsQuantCalibrateAndReportsSkippedImages) {
  test::TempDir dir;
  const std::string images = calibration_folder(dir);
  const ModelConfig cfg = config_8x8();
  const ir::Model fp32 = two_conv_model();
  DatasetCalibrationOptions o;
  o.images = images;
  o.calib.batch = 2;
  o.calib.method = RangeMethod::minmax;
  o.calib.target = DeployTarget::qdeploy;
  std::vector<std::string> skipped;
  o.reporting.on_skip = [&](const std::string& path, const std::string&) { skipped.push_back(path); };
  DatasetCalibration calibration(cfg, o);
  calibration.collect(fp32);
  const ir::Model int8 = calibration.quantize(fp32, {});
  EXPECT_EQ(calibration.images(), 5u);
  EXPECT_EQ(calibration.skipped(), 1u);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("broken.png"), std::string::npos);

  DatasetBatchSource direct(images, cfg, 0, 2);
  const ir::QuantParams expected = quant::calibrate(fp32, direct, o.calib);
  ASSERT_EQ(int8.quant.layers.size(), 2u);
  for (const auto& [name, lq] : expected.layers) {
    const ir::LayerQuant* got = int8.quant.find(name);
    ASSERT_NE(got, nullptr) << name;
    EXPECT_EQ(got->input_scale, lq.input_scale) << name;
    EXPECT_EQ(got->weight_scales, lq.weight_scales) << name;
  }
}

TEST(DatasetCalibration, RunsPassesThatChangeWeights) {
  test::TempDir dir;
  const std::string images = calibration_folder(dir);
  const ModelConfig cfg = config_8x8();
  const ir::Model fp32 = two_conv_model();
  DatasetCalibrationOptions o;
  o.images = images;
  o.calib.batch = 2;
  DatasetCalibration calibration(cfg, o);
  calibration.collect(fp32);
  std::vector<std::string> log;
  const ir::Model corrected = calibration.quantize(fp32, {"bias_correction"}, &log);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].rfind("bias_correction:", 0), 0u) << log[0];
  EXPECT_EQ(corrected.quant.layers.size(), 2u);
}

}  // namespace
}  // namespace qd::pipeline
