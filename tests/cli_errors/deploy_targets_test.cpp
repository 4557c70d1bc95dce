// The int8 flow runs on the IR (issue 14.6): a model with a layer ncnn cannot express (Softmax along the
// batch axis) is an exit-2 error naming the node with the ncnn target, and deploys with the qdeploy and
// onnxruntime targets (end2end.onnx, end2end.table, end2end_quant.onnx, no ncnn files); its int8 model is
// tested from end2end.onnx + end2end.table and calibrated from the .onnx directly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "cli_errors/cli_harness.h"
#include "cli_errors/tiny_model.h"

namespace qd::test {
namespace {

const std::string kTargetConfigs = std::string(QDEPLOY_SOURCE_DIR) + "/configs/deploy/";

// The tiny model with Softmax(axis 0) after its Gemm: valid ONNX our runtime runs, not writable to ncnn.
OnnxBuilder batch_softmax_onnx() {
  OnnxBuilder b = tiny_onnx();
  for (onnx::NodeProto& n : *b.graph().mutable_node())  // the Gemm now feeds the Softmax
    for (std::string& o : *n.mutable_output())
      if (o == "output") o = "logits";
  auto& sm = b.node("Softmax", {"logits"}, {"output"}, "softmax_batch");
  set_attr(sm, "axis", int64_t{0});
  return b;
}

class DeployTargets : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    files = new TinyModelFiles();
    model = files->dir / "batch_softmax.onnx";
    batch_softmax_onnx().save(model);
  }
  static void TearDownTestSuite() { delete files; }

  RunResult deploy(const std::string& config, const std::string& out) {
    return run_qdeploy({"deploy", kTargetConfigs + config, files->toml, model, files->image, "--work-dir",
                        out, "--quant-image-dir", files->calib, "--snr-num", "0"});
  }

  static TinyModelFiles* files;
  static std::string model;
  TempDir dir;
};
TinyModelFiles* DeployTargets::files = nullptr;
std::string DeployTargets::model;

TEST_F(DeployTargets, NcnnTargetNamesTheLayerNcnnCannotExpress) {
  const RunResult r = deploy("classification_ncnn-int8_static.toml", dir / "ncnn");
  EXPECT_TRUE(is_error(r, 2, "node 'softmax_batch' (Softmax)", "cannot be written to ncnn"));
}

TEST_F(DeployTargets, QdeployTargetDeploysFromTheIr) {
  const std::string out = dir / "qdeploy";
  const RunResult r = deploy("classification_qdeploy-int8_static.toml", out);
  ASSERT_TRUE(is_success(r));
  const std::vector<std::string> files_written = files_under(out);
  for (const char* f : {"end2end.onnx", "end2end.table", "end2end_quant.onnx", "deploy.json"})
    EXPECT_NE(std::find(files_written.begin(), files_written.end(), f), files_written.end()) << f;
  for (const std::string& f : files_written) EXPECT_EQ(f.find(".param"), std::string::npos) << f;
  // The int8 model from the IR: fp32 ONNX + the table.
  RunResult t = run_qdeploy({"test", files->toml, "--model", out + "/end2end.onnx", "--table",
                             out + "/end2end.table", "--dataset", files->calib});
  EXPECT_TRUE(is_success(t));
  EXPECT_NE(t.out.find("(int8)"), std::string::npos) << describe(t);
  // calibrate reads the .onnx directly.
  t = run_qdeploy({"calibrate", files->toml, model, "--images", files->calib, "--target", "qdeploy", "--out",
                   dir / "direct.table"});
  EXPECT_TRUE(is_success(t));
  EXPECT_EQ(slurp(dir / "direct.table").empty(), false);
}

TEST_F(DeployTargets, OnnxruntimeTargetRunsTheQdqModelInOnnxRuntime) {
  if (std::system("node --version > /dev/null 2>&1") != 0 ||
      !std::filesystem::exists(std::string(QDEPLOY_SOURCE_DIR) +
                               "/tools/ort/node_modules/onnxruntime-node/package.json"))
    GTEST_SKIP() << "ONNX Runtime (node + tools/ort npm package) not installed";
  const std::string out = dir / "ort";
  const RunResult r = deploy("classification_onnxruntime-int8_static.toml", out);
  ASSERT_TRUE(is_success(r));
  EXPECT_NE(r.out.find("ONNX Runtime, " + out + "/end2end_quant.onnx"), std::string::npos) << describe(r);
  EXPECT_TRUE(std::filesystem::exists(out + "/end2end.table"));
  EXPECT_FALSE(std::filesystem::exists(out + "/end2end.param"));
}

}  // namespace
}  // namespace qd::test
