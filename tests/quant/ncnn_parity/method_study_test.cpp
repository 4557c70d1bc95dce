// Accuracy study (disabled by default; run with --gtest_also_run_disabled_tests): calibrate a shared model
// once on the 1,000 calibration images, derive QuantParams with every range method and both weight targets
// from the same statistics, and measure int8 top-1 on the 10,000 CIFAR-10 test images with the oneDNN
// runtime. References (../shared/README.md): ResNet-20 fp32 0.8651, ncnn int8 kl 0.8641, aciq 0.8655;
// ResNet-18 fp32 0.9190, ncnn int8 kl 0.9194, ONNX Runtime 0.9195.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "data/batch_loader.h"
#include "data/dataset.h"
#include "frontend/onnx/onnx_importer.h"
#include "quant/calibrate.h"
#include "quant/ranges/range_methods.h"

namespace qd::quant {
namespace {

const std::string kShared = QDEPLOY_SHARED_DIR;

Preprocess cifar_preprocess() {
  Preprocess pre;
  pre.mean = {125.307f, 122.961f, 113.8575f};
  pre.std = {51.5865f, 50.847f, 51.255f};
  pre.width = pre.height = 32;
  return pre;
}

class LoaderSource : public BatchSource {
 public:
  explicit LoaderSource(BatchLoader& loader) : loader_(loader) {}
  bool next(Tensor& batch) override {
    Batch b;
    if (!loader_.next(b)) return false;
    batch = b.input;
    return true;
  }
  size_t size() const override { return 0; }
  bool rewind() override {  // kl's second pass
    loader_.reset();
    return true;
  }

 private:
  BatchLoader& loader_;
};

// Top-1 accuracy of `model` (quant table honoured when int8 is real) on the test set, batch 100.
double top1(const ir::Model& model, runtime::Int8Mode int8, const Dataset& test) {
  runtime::CompileOptions c;
  c.int8 = int8;
  c.batch = 100;
  auto exec = runtime::compile(model, c);
  std::unique_ptr<runtime::Executor> tail;  // for a short last batch
  BatchLoaderOptions lo;
  lo.batch_size = 100;
  BatchLoader loader(test, cifar_preprocess(), lo);
  Batch b;
  size_t correct = 0, total = 0;
  while (loader.next(b)) {
    runtime::Executor* e = exec.get();
    if (b.size() != 100) {
      c.batch = b.size();
      tail = runtime::compile(model, c);
      e = tail.get();
    }
    const Tensor out = e->run({b.input})[0];
    const float* p = out.data<float>();
    const int64_t classes = out.dim(1);
    for (int i = 0; i < b.size(); ++i) {
      const int pred =
          static_cast<int>(std::max_element(p + i * classes, p + (i + 1) * classes) - (p + i * classes));
      correct += pred == b.labels[i];
      ++total;
    }
  }
  return total ? static_cast<double>(correct) / total : 0.0;
}

void study_methods(const std::string& model_name, double fp32_reference) {
  const std::string model_path = kShared + "/models/" + model_name + "_cifar10.onnx";
  if (!std::filesystem::exists(model_path)) GTEST_SKIP() << "no " << model_path;
  ir::Model model = frontend::import_onnx(model_path);
  BatchLoaderOptions lo;
  lo.batch_size = 50;
  BatchLoader calib(open_dataset(kShared + "/cifar10/calib"), cifar_preprocess(), lo);
  LoaderSource source(calib);
  CalibOptions opt;
  opt.batch = 50;
  const auto t0 = std::chrono::steady_clock::now();
  const CalibrationStats stats = collect_stats(model, source, opt);
  const double collect_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const Dataset test = open_dataset(kShared + "/cifar10/test");

  const double fp32 = top1(model, runtime::Int8Mode::off, test);
  std::printf("collect %.1fs; fp32 top-1 %.4f\n", collect_s, fp32);
  EXPECT_NEAR(fp32, fp32_reference, 0.0002);
  // QD_STUDY_METHODS / QD_STUDY_TARGETS (comma lists) narrow the study; default: every method, both targets.
  const auto selected = [](const char* env, const std::string& name) {
    const char* v = std::getenv(env);
    return !v || ("," + std::string(v) + ",").find("," + name + ",") != std::string::npos;
  };
  for (const std::string& method : range_method_names()) {
    for (const std::string target : {"ncnn", "qdeploy"}) {
      if (!selected("QD_STUDY_METHODS", method) || !selected("QD_STUDY_TARGETS", target)) continue;
      opt.method = parse_range_method(method);
      opt.target = parse_deploy_target(target);
      const auto t1 = std::chrono::steady_clock::now();
      model.quant = params_from_stats(stats, model, opt);
      const double params_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
      const double acc = top1(model, runtime::Int8Mode::real, test);
      std::printf("%-10s target %-7s int8 top-1 %.4f (fp32 %+.2f pt), params %.2fs\n", method.c_str(),
                  target.c_str(), acc, 100 * (acc - fp32), params_s);
      // The int8 issue's bound: no method may lose more than 0.3 point.
      EXPECT_GE(acc, fp32 - 0.003) << method << " " << target;
    }
  }
}

TEST(NcnnParity, DISABLED_ResNet20Int8AccuracyPerMethod) { study_methods("resnet20", 0.8651); }
TEST(NcnnParity, DISABLED_ResNet18Int8AccuracyPerMethod) { study_methods("resnet18", 0.9190); }

}  // namespace
}  // namespace qd::quant
