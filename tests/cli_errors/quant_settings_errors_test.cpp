// Quantization settings are parsed before deploy writes anything: a bad range method, PTQ pass, weight
// bit width or deploy target exits 1 with one line naming the option or config file, and leaves no file.
#include <gtest/gtest.h>

#include "cli_errors/cli_harness.h"
#include "cli_errors/tiny_model.h"

namespace qd::test {
namespace {

const std::string kNcnnInt8Deploy =
    std::string(QDEPLOY_SOURCE_DIR) + "/configs/deploy/classification_ncnn-int8_static.toml";

class QuantSettingsErrors : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { files = new TinyModelFiles(); }
  static void TearDownTestSuite() { delete files; }

  // deploy --quant of the tiny model with `extra` options; output in dir/out.
  RunResult deploy_quant(const std::string& deploy_config, const std::vector<std::string>& extra) {
    std::vector<std::string> args{
        "deploy",     deploy_config, files->toml, files->onnx,         files->calib + "/a.png",
        "--work-dir", out(),         "--quant",   "--quant-image-dir", files->calib};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_qdeploy(args);
  }
  std::string out() const { return dir / "out"; }
  std::string config_with(const std::string& name, const std::string& text) {
    const std::string p = dir / (name + ".toml");
    write_bytes(p, text);
    return p;
  }

  static TinyModelFiles* files;
  TempDir dir;
};
TinyModelFiles* QuantSettingsErrors::files = nullptr;

TEST_F(QuantSettingsErrors, UnknownMethodOptionListsTheMethods) {
  const RunResult r = deploy_quant(kNcnnInt8Deploy, {"--calib-method", "entropy"});
  EXPECT_TRUE(is_error(r, 1, "--calib-method",
                       "unknown method 'entropy' (valid: aciq, kl, minmax, mse, "
                       "percentile, auto)"));
  EXPECT_EQ(files_under(out()), std::vector<std::string>{});
}

TEST_F(QuantSettingsErrors, UnknownMethodInDeployConfig) {
  const std::string c = config_with("m", "[quantize]\nenabled = true\nmethod = \"entropy\"\n");
  const RunResult r = deploy_quant(c, {});
  EXPECT_TRUE(is_error(r, 1, c, "unknown method 'entropy'"));
  EXPECT_EQ(files_under(out()), std::vector<std::string>{});
}

TEST_F(QuantSettingsErrors, UnknownPassOptionAndBadOrderInConfig) {
  RunResult r = deploy_quant(kNcnnInt8Deploy, {"--passes", "brecq"});
  EXPECT_TRUE(is_error(r, 1, "--passes", "unknown quantization pass 'brecq'"));
  EXPECT_EQ(files_under(out()), std::vector<std::string>{});
  const std::string c =
      config_with("p", "[quantize]\nenabled = true\npasses = [\"bias_correction\", \"adaround\"]\n");
  r = deploy_quant(c, {});
  EXPECT_TRUE(is_error(r, 1, c, "'adaround' must come before 'bias_correction'"));
  EXPECT_EQ(files_under(out()), std::vector<std::string>{});
}

TEST_F(QuantSettingsErrors, BadWeightBits) {
  const RunResult r = deploy_quant(kNcnnInt8Deploy, {"--weight-bits", "5"});
  EXPECT_TRUE(is_error(r, 1, "--weight-bits", "must be 4, 6, 8 (or 0: by target), got 5"));
  EXPECT_EQ(files_under(out()), std::vector<std::string>{});
}

TEST_F(QuantSettingsErrors, UnknownTargetInDeployConfig) {
  const std::string c = config_with("t", "[backend]\ntype = \"tensorrt\"\n[quantize]\nenabled = true\n");
  const RunResult r = deploy_quant(c, {});
  EXPECT_TRUE(is_error(r, 1, c, "not \"tensorrt\""));
  EXPECT_EQ(files_under(out()), std::vector<std::string>{});
}

TEST_F(QuantSettingsErrors, CalibrateRejectsBadSettingsBeforeRunning) {
  const std::string table = dir / "t.table";
  RunResult r = run_qdeploy({"calibrate", files->toml, files->param, files->bin, "--images", files->calib,
                             "--method", "entropy", "--out", table});
  EXPECT_TRUE(is_error(r, 1, "--method", "valid: aciq, kl, minmax, mse, percentile)"));
  r = run_qdeploy({"calibrate", files->toml, files->param, files->bin, "--images", files->calib, "--target",
                   "tflite", "--out", table});
  EXPECT_TRUE(is_error(r, 1, "--target", "unknown target 'tflite' (valid: ncnn, qdeploy, onnxruntime)"));
  EXPECT_FALSE(std::filesystem::exists(table));
}

}  // namespace
}  // namespace qd::test
