// `qdeploy bench` through the built binary ($QDEPLOY_BINARY from the environment or the build, else next to
// this test program): a short run on ResNet-20 (ONNX fp32 + ncnn's own int8 files) emits valid JSON with the
// documented keys, and bad lists are user errors. No timing is asserted.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/qdeploy_process.h"

namespace {

namespace fs = std::filesystem;
using qd::test::CmdResult;
using qd::test::kShared;
using qd::test::kSrc;
using qd::test::qdeploy_binary;
using qd::test::run_qdeploy;

class BenchCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(qdeploy_binary()))
        << "build the qdeploy target first (looked for " << qdeploy_binary() << ")";
    dir_ = fs::temp_directory_path() / ("qd_bench_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  const std::string cfg_ = kSrc + "/configs/resnet20_cifar10.toml";
  const std::string onnx_ = kShared + "/models/resnet20_cifar10.onnx";
  const std::string int8_ = kShared + "/ncnn-reference/resnet20-kl-int8.param";
};

TEST_F(BenchCli, Resnet20TwoModelsWritesJsonWithExpectedKeys) {
  const std::string json = (dir_ / "bench.json").string();
  const CmdResult r = run_qdeploy(
      "bench " + cfg_ + " --model " + onnx_ + " --model " + int8_ +
      " --label fp32 --label int8 --threads 1 --batch 1,2 --repeat 2 --warmup 1 --profile --json " + json);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("speed-up vs fp32"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("peak RSS"), std::string::npos) << r.out;

  std::ifstream f(json);
  ASSERT_TRUE(f) << json;
  const nlohmann::json j = nlohmann::json::parse(f);  // throws (fails the test) on invalid JSON
  for (const char* k : {"config", "images", "images_decoded", "repeat", "warmup", "date", "machine",
                        "peak_rss_mb", "models", "results"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["repeat"], 2);
  EXPECT_EQ(j["images_decoded"], 2);  // the largest batch
  EXPECT_GT(j["peak_rss_mb"].get<double>(), 1.0);
  ASSERT_EQ(j["models"].size(), 2u);
  EXPECT_EQ(j["models"][0]["precision"], "fp32");
  EXPECT_EQ(j["models"][1]["precision"], "int8");
  for (const auto& m : j["models"]) {
    EXPECT_GT(m["load_ms"].get<double>(), 0);
    EXPECT_NEAR(m["load_ms"].get<double>(),
                m["open_ms"].get<double>() + m["compile_ms"].get<double>() + m["first_run_ms"].get<double>(),
                1e-6);
  }
  // 2 models x 1 thread count x 2 batch sizes, models adjacent within a (threads, batch) group.
  ASSERT_EQ(j["results"].size(), 4u);
  const char* models[] = {"fp32", "int8", "fp32", "int8"};
  const int batches[] = {1, 1, 2, 2};
  for (size_t i = 0; i < 4; ++i) {
    const auto& e = j["results"][i];
    EXPECT_EQ(e["model"], models[i]);
    EXPECT_EQ(e["threads"], 1);
    EXPECT_EQ(e["batch"], batches[i]);
    EXPECT_EQ(e["runs"], 2);
    ASSERT_EQ(e["samples_ms"].size(), 2u);
    EXPECT_GT(e["median_ms"].get<double>(), 0);
    EXPECT_GE(e["p90_ms"].get<double>(), e["median_ms"].get<double>());
    EXPECT_NEAR(e["ms_per_image"].get<double>() * batches[i], e["median_ms"].get<double>(), 1e-9);
    ASSERT_TRUE(e.contains("profile"));
    EXPECT_TRUE(e["profile"].contains("steps"));
  }
  EXPECT_DOUBLE_EQ(j["results"][0]["speedup_vs_first"].get<double>(), 1.0);
}

TEST_F(BenchCli, BadListsAndMissingModelAreUserErrors) {
  CmdResult r = run_qdeploy("bench " + cfg_ + " --model " + onnx_ + " --threads 1,x --repeat 1");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("qdeploy: error: --threads: 'x' is not a whole number"), std::string::npos) << r.out;
  r = run_qdeploy("bench " + cfg_ + " --model " + onnx_ + " --batch 0 --repeat 1");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("--batch: '0' is out of range"), std::string::npos) << r.out;
  r = run_qdeploy("bench " + cfg_ + " --model " + onnx_ + " --label a --label b --repeat 1");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("--label: give one label per --model"), std::string::npos) << r.out;
  r = run_qdeploy("bench " + cfg_ + " --model " + (dir_ / "missing.onnx").string() + " --repeat 1");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("missing.onnx"), std::string::npos) << r.out;
}

}  // namespace

// --winograd: ResNet-18's 64-256-channel 3x3 convs run as Winograd by default and all direct with `never`
// (the profile names the algorithm); a bad value is a CLI error.
TEST_F(BenchCli, WinogradOptionSwitchesResnet18ConvAlgorithm) {
  const std::string r18 = kShared + "/models/resnet18_cifar10.onnx";
  const std::string cfg18 = kSrc + "/configs/resnet18_cifar10.toml";
  const std::string common = " --threads 1 --repeat 1 --warmup 0 --profile --profile-top 40";
  const CmdResult by_default = run_qdeploy("bench " + cfg18 + " --model " + r18 + common);
  ASSERT_EQ(by_default.code, 0) << by_default.out;
  EXPECT_NE(by_default.out.find("winograd"), std::string::npos) << by_default.out;
  const CmdResult direct = run_qdeploy("bench " + cfg18 + " --model " + r18 + common + " --winograd never");
  ASSERT_EQ(direct.code, 0) << direct.out;
  EXPECT_EQ(direct.out.find("winograd"), std::string::npos) << direct.out;
  const CmdResult bad = run_qdeploy("bench " + cfg18 + " --model " + r18 + " --winograd fast");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.out.find("--winograd"), std::string::npos) << bad.out;
}

// --plan prints each model's compiled plan once (before the timed runs): a line per conv of ResNet-20, and
// nothing of it without the flag.
TEST_F(BenchCli, PlanFlagPrintsEveryConvOfEachModel) {
  const std::string common = " --threads 1 --repeat 1 --warmup 0";
  const CmdResult r = run_qdeploy("bench " + cfg_ + " --model " + onnx_ + " --model " + int8_ +
                                  " --label fp32 --label int8" + common + " --plan");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("plan: fp32 (threads 1, batch 1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("plan: int8 (threads 1, batch 1)"), std::string::npos) << r.out;
  size_t convs = 0;
  for (size_t at = r.out.find("\nconv "); at != std::string::npos; at = r.out.find("\nconv ", at + 1))
    ++convs;
  EXPECT_EQ(convs, 2u * 21u) << r.out;  // ResNet-20: 19 3x3 convs and 2 1x1 shortcut convs per model
  const CmdResult plain = run_qdeploy("bench " + cfg_ + " --model " + onnx_ + common);
  ASSERT_EQ(plain.code, 0) << plain.out;
  EXPECT_EQ(plain.out.find("plan:"), std::string::npos) << plain.out;
}
