// Issue 7.3: the QDQ end2end_quant.onnx runs in ONNX Runtime and gives top-1 within 0.1 point of our int8
// runtime on the full shared test set (ResNet-20, kl calibration on ../shared/cifar10/calib). Both runtimes
// see the same preprocessed tensors and the same ir::Model (fp32 graph + calibrated QuantParams).
// Also: `qdeploy deploy --quant` writes end2end_quant.onnx as its own stage and ONNX Runtime loads it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "data/image.h"
#include "data/preprocess.h"
#include "exporters/onnx/onnx_writer.h"
#include "frontend/onnx/onnx_importer.h"
#include "ort/ort_runner.h"
#include "quant/calibrate.h"

namespace qd {
namespace {

using namespace ort_testing;

// Calibration images through our data pipeline, as `qdeploy calibrate` feeds them.
class FolderSource : public quant::BatchSource {
 public:
  FolderSource(const std::string& dir, const ModelConfig& cfg, int batch)
      : loader_(open_dataset(dir), cfg.preprocess, {.batch_size = batch}), batch_(batch) {}
  bool next(Tensor& out) override {
    Batch b;
    if (!loader_.next(b)) return false;
    out = b.input;
    return true;
  }
  size_t size() const override { return (loader_.size() + batch_ - 1) / batch_; }

 private:
  BatchLoader loader_;
  int batch_;
};

void check_qdq_top1(const std::string& target) {
  const std::string name = "resnet20_cifar10";
  ModelConfig cfg = load_model_config(kSrc + "/configs/" + name + ".toml");
  ir::Model model = frontend::import_onnx(kShared + "/models/" + name + ".onnx");
  FolderSource calib(kShared + "/cifar10/calib", cfg, 16);
  quant::CalibOptions co;
  co.method = RangeMethod::kl;
  co.target = parse_deploy_target(target);
  co.batch = 16;
  model.quant = quant::calibrate(model, calib, co);
  ASSERT_FALSE(model.quant.empty());

  const std::string dir = work_dir("qdq_" + target);
  const std::string qdq = dir + "/end2end_quant.onnx";
  exporters::save_onnx_qdq(model, qdq);

  Images test = load_images(cfg, cfg.test_data, 0);
  ASSERT_EQ(test.count(), 10000);
  std::vector<int> ours = top1(run_ours(model, test.x, runtime::Int8Mode::real, 100), 10);
  std::vector<float> ort_out = run_ort(qdq, test.x, dir, 2);
  ASSERT_EQ(ort_out.size(), 100000u);
  std::vector<int> ort = top1(ort_out, 10);
  const int ours_ok = correct(ours, test.labels), ort_ok = correct(ort, test.labels);
  int differ = 0;
  for (size_t i = 0; i < ours.size(); ++i) differ += ours[i] != ort[i];
  std::printf(
      "resnet20 int8 (kl, target %s), 10000 test images: top-1 ours (oneDNN int8) %.4f (%d), "
      "ONNX Runtime QDQ %.4f (%d); predictions differ on %d images\n",
      target.c_str(), ours_ok / 1e4, ours_ok, ort_ok / 1e4, ort_ok, differ);
  EXPECT_LE(std::abs(ours_ok - ort_ok), 10) << "more than 0.1 point apart";
  std::filesystem::remove_all(dir);
}

TEST(OrtQdq, Resnet20KlNcnnTargetTop1WithinPointOneOfOurInt8) {
  QD_SKIP_WITHOUT_ORT();
  check_qdq_top1("ncnn");  // the shipped int8 deploy config's target: 6-bit 3x3 stride-1 weights
}

TEST(OrtQdq, Resnet20KlQdeployTargetTop1WithinPointOneOfOurInt8) {
  QD_SKIP_WITHOUT_ORT();
  check_qdq_top1("qdeploy");  // 8-bit weights everywhere
}

// `qdeploy deploy --quant` with the shipped int8 deploy config: end2end_quant.onnx is its own stage in
// deploy.json and ONNX Runtime's top-1 on the test image equals our int8 top-1 that deploy printed.
TEST(OrtQdq, DeployWritesQuantOnnxStageThatOnnxRuntimeRuns) {
  QD_SKIP_WITHOUT_ORT();
  const std::string dir = work_dir("deploy");
  const std::string image = kShared + "/cifar10/test/airplane/0000.jpg";
  std::string cmd = std::string(QDEPLOY_BINARY) + " deploy " + kSrc +
                    "/configs/deploy/classification_ncnn-int8_static.toml " + kSrc +
                    "/configs/resnet20_cifar10.toml " + kShared + "/models/resnet20_cifar10.onnx " + image +
                    " --work-dir " + dir + " --quant 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string log;
  char buf[4096];
  while (size_t k = fread(buf, 1, sizeof buf, p)) log.append(buf, k);
  ASSERT_EQ(pclose(p), 0) << log;
  const std::string qdq = dir + "/end2end_quant.onnx";
  ASSERT_TRUE(std::filesystem::exists(qdq)) << log;

  nlohmann::json report = nlohmann::json::parse(std::ifstream(dir + "/deploy.json"));
  const nlohmann::json* stage = nullptr;
  for (const auto& s : report.at("stages"))
    if (s.at("stage") == "export_qdq") stage = &s;
  ASSERT_NE(stage, nullptr) << report.dump(1);
  EXPECT_GE(stage->at("seconds").get<double>(), 0.0);
  ASSERT_EQ(stage->at("outputs").size(), 1u);
  EXPECT_EQ(stage->at("outputs")[0].at("path"), qdq);
  EXPECT_EQ(stage->at("outputs")[0].at("bytes").get<uint64_t>(), std::filesystem::file_size(qdq));
  EXPECT_FALSE(stage->at("inputs").empty());

  ModelConfig cfg = load_model_config(kSrc + "/configs/resnet20_cifar10.toml");
  Tensor x(DataType::f32, {1, 3, cfg.preprocess.height, cfg.preprocess.width});
  image_to_nchw(decode_image(image), cfg.preprocess, x.data<float>());
  std::vector<float> out = run_ort(qdq, x, dir);
  ASSERT_EQ(out.size(), 10u);
  for (float v : out) EXPECT_TRUE(std::isfinite(v));
  EXPECT_EQ(top1(out, 10).at(0), report.at("test_image").at("int8_top5")[0].get<int>()) << log;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace qd
