// `qdeploy deploy` with a labelled test set, through the built binary: deploy.json holds fp32 and int8
// accuracy consistent with their confusion matrices, batch-1 speed and the per-layer SNR, and report.html
// shows all of them. Small ResNet-20 runs (200 test images, 32 calibration images) to stay fast.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/qdeploy_process.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using qd::test::CmdResult;
using qd::test::kShared;
using qd::test::kSrc;
using qd::test::qdeploy_binary;
using qd::test::run_qdeploy;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

class DeployCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(qdeploy_binary()))
        << "build the qdeploy target first (looked for " << qdeploy_binary() << ")";
    dir_ = fs::temp_directory_path() / ("qd_deploy_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // deploy of ResNet-20 with the ncnn int8 deploy config into `wd`, plus `options`.
  CmdResult deploy_int8(const fs::path& wd, const std::string& options) const {
    return run_qdeploy("deploy " + kSrc + "/configs/deploy/classification_ncnn-int8_static.toml " + cfg_ +
                       " " + onnx_ + " " + image_ + " --work-dir " + wd.string() + " " + options);
  }
  fs::path dir_;
  const std::string cfg_ = kSrc + "/configs/resnet20_cifar10.toml";
  const std::string onnx_ = kShared + "/models/resnet20_cifar10.onnx";
  const std::string image_ = kShared + "/cifar10/test/airplane/0000.jpg";
  const std::string test_set_ = kShared + "/cifar10/test";
};

// top-1 must equal the confusion matrix's diagonal over its sum, and the sum the images counted.
void expect_accuracy_matches_confusion(const json& d, const char* model, int64_t images) {
  SCOPED_TRACE(model);
  const json& acc = d.at("accuracy").at(model);
  const double top1 = acc.at("top1").get<double>(), top5 = acc.at("topk").get<double>();
  EXPECT_GE(top1, 0.0);
  EXPECT_LE(top1, 1.0);
  EXPECT_GE(top5, top1);
  EXPECT_LE(top5, 1.0);
  EXPECT_EQ(acc.at("images").get<int64_t>(), images);
  const json& m = d.at("confusion").at(model);
  ASSERT_EQ(m.size(), 10u);
  int64_t diag = 0, total = 0;
  for (size_t i = 0; i < m.size(); ++i) {
    ASSERT_EQ(m[i].size(), 10u);
    for (size_t j = 0; j < m[i].size(); ++j) {
      EXPECT_GE(m[i][j].get<int64_t>(), 0);
      total += m[i][j].get<int64_t>();
      if (i == j) diag += m[i][j].get<int64_t>();
    }
  }
  EXPECT_EQ(total, images);
  EXPECT_EQ(acc.at("top1_correct").get<int64_t>(), diag);
  EXPECT_NEAR(top1, static_cast<double>(diag) / static_cast<double>(total), 1e-12);
}

TEST_F(DeployCli, Resnet20Int8WithTestSetRecordsAccuracySpeedSnrAndConfusion) {
  const fs::path wd = dir_ / "int8";
  const CmdResult r =
      deploy_int8(wd, "--calib-num 32 --snr-num 16 --test-dataset " + test_set_ + " --test-num 200");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("accuracy on"), std::string::npos) << r.out;
  const json d = json::parse(slurp(wd / "deploy.json"));

  // Accuracy: 200 images of the shared test set, a deterministic subset.
  EXPECT_EQ(d.at("test_dataset").at("images").get<int64_t>(), 200);
  expect_accuracy_matches_confusion(d, "fp32", 200);
  expect_accuracy_matches_confusion(d, "int8", 200);
  // ResNet-20 reaches 0.865 on the full set (../shared/README.md); 200 images cannot fall to 0.7 by chance
  // (binomial sd ~ 0.024). int8 with only 32 calibration images stays within 5 points of fp32 here.
  EXPECT_GT(d["accuracy"]["fp32"]["top1"].get<double>(), 0.7);
  EXPECT_NEAR(d["accuracy"]["int8"]["top1"].get<double>(), d["accuracy"]["fp32"]["top1"].get<double>(), 0.05);
  EXPECT_EQ(d.at("agreement").at("images").get<int64_t>(), 200);
  EXPECT_GT(d["agreement"]["fraction"].get<double>(), 0.8);

  // Speed: batch 1, a positive thread count, both models, the ratio of their medians.
  const json& sp = d.at("speed");
  EXPECT_EQ(sp.at("batch").get<int>(), 1);
  EXPECT_GE(sp.at("threads").get<int>(), 1);
  const double f = sp.at("fp32").at("median_ms").get<double>(),
               q = sp.at("int8").at("median_ms").get<double>();
  EXPECT_GT(f, 0.0);
  EXPECT_GT(q, 0.0);
  EXPECT_NEAR(sp.at("int8_over_fp32").get<double>(), q / f, 1e-9);

  // Per-layer SNR: every layer ncnn quantizes in ResNet-20 (its reference .table has 22: 21 convs + fc).
  const json& snr = d.at("layer_snr");
  EXPECT_EQ(snr.size(), 22u) << snr.dump(1);
  EXPECT_EQ(d.at("snr_analysis").at("images").get<int64_t>(), 16);
  for (const json& l : snr) {
    ASSERT_TRUE(l.at("snr_db").is_number()) << l.dump();
    EXPECT_GT(l["snr_db"].get<double>(), 5.0) << l.dump();  // int8 is close to fp32 in every layer
  }

  // report.html: every section filled in, nothing said to be missing, one file with no fetches.
  const std::string page = slurp(wd / "report.html");
  EXPECT_NE(page.find("id=\"accuracy\""), std::string::npos);
  EXPECT_NE(page.find("id=\"speed\""), std::string::npos);
  EXPECT_NE(page.find("id=\"snr\""), std::string::npos);
  EXPECT_NE(page.find("id=\"worst-layers\""), std::string::npos);
  EXPECT_EQ(count(page, "<table class=\"confusion\">"), 2u);
  EXPECT_NE(page.find("<th>airplane</th>"), std::string::npos);
  EXPECT_EQ(count(page, "not measured in this run"), 0u);
  EXPECT_EQ(page.find("src=\"http"), std::string::npos);
}

// --calib-method auto: every candidate scored on the labelled calibration subset (cifar10/calib's
// <class>_* names), the kept one is the best by top-1 then SNR, and the table/int8 files are written.
TEST_F(DeployCli, Resnet20AutoModeScoresEveryCandidateAndKeepsTheBest) {
  const fs::path wd = dir_ / "auto";
  const CmdResult r = deploy_int8(wd, "--calib-method auto --calib-num 16 --val-num 32 --snr-num 0");
  ASSERT_EQ(r.code, 0) << r.out;
  const json d = json::parse(slurp(wd / "deploy.json"));
  const json& a = d.at("auto");
  EXPECT_EQ(a.at("scored_by").get<std::string>(), "validation_top1");
  EXPECT_EQ(a.at("labelled_images").get<int64_t>(), 32);
  const json& rows = a.at("candidates");
  ASSERT_EQ(rows.size(), 9u) << rows.dump(1);  // 5 methods + 4 pass lists (no adaround at 8 bits)
  size_t best = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const double top1 = rows[i].at("top1").get<double>(), snr = rows[i].at("output_snr_db").get<double>();
    EXPECT_GE(top1, 0.0);
    EXPECT_LE(top1, 1.0);
    EXPECT_GT(snr, 5.0) << rows[i].dump();  // every candidate is a working int8 model
    const double bt = rows[best]["top1"].get<double>(), bs = rows[best]["output_snr_db"].get<double>();
    if (top1 > bt || (top1 == bt && snr > bs)) best = i;
  }
  EXPECT_EQ(a.at("chosen").get<std::string>(), rows[best].at("candidate").get<std::string>());
  bool found = false;
  for (const json& st : d.at("stages"))
    if (st.at("stage") == "calibrate") {
      found = true;
      EXPECT_EQ(st.at("method"), rows[best].at("method"));
      EXPECT_EQ(st.at("passes"), rows[best].at("passes"));
    }
  EXPECT_TRUE(found);
  EXPECT_TRUE(fs::exists(wd / "end2end.table"));
  EXPECT_TRUE(fs::exists(wd / "end2end_int8.param"));
  EXPECT_NE(r.out.find("auto: chose " + a.at("chosen").get<std::string>()), std::string::npos) << r.out;
}

// --passes: each pass's line (with the check's verdict on the calibration images) is printed and kept in the
// calibrate stage of deploy.json.
TEST_F(DeployCli, Resnet20PassesAreLoggedWithTheirCheck) {
  const fs::path wd = dir_ / "passes";
  const CmdResult r =
      deploy_int8(wd, "--quant --calib-num 32 --snr-num 0 --passes method_selection,bias_correction");
  ASSERT_EQ(r.code, 0) << r.out;
  const json d = json::parse(slurp(wd / "deploy.json"));
  json log;
  for (const json& st : d.at("stages"))
    if (st.at("stage") == "calibrate") log = st.at("pass_log");
  ASSERT_EQ(log.size(), 2u) << d.dump(1);
  const char* names[] = {"method_selection: ", "bias_correction: "};
  for (size_t i = 0; i < 2; ++i) {
    const std::string line = log[i].get<std::string>();
    EXPECT_EQ(line.rfind(names[i], 0), 0u) << line;
    EXPECT_NE(line.find("int8 output vs fp32 on 32 calibration images"), std::string::npos) << line;
    EXPECT_TRUE(line.ends_with(": kept") || line.ends_with("not kept, the model before it stays")) << line;
    EXPECT_NE(r.out.find(line), std::string::npos) << r.out;
  }
}

// --min-snr: the most sensitive layers back to fp32 until the int8 output is close enough; the table and the
// int8 files leave exactly those layers out.
TEST_F(DeployCli, Resnet20MinSnrKeepsSensitiveLayersFp32UntilTheBudgetHolds) {
  const fs::path wd = dir_ / "min_snr";
  const CmdResult r = deploy_int8(wd, "--quant --calib-num 32 --snr-num 0 --min-snr 40");
  ASSERT_EQ(r.code, 0) << r.out;
  const json b = json::parse(slurp(wd / "deploy.json")).at("snr_budget");
  EXPECT_EQ(b.at("images").get<int64_t>(), 32);
  ASSERT_LT(b.at("all_int8_snr_db").get<double>(), 40.0) << "kl int8 of ResNet-20 must miss a 40-dB budget";
  EXPECT_TRUE(b.at("budget_met").get<bool>());
  EXPECT_GE(b.at("final_snr_db").get<double>(), 40.0);
  const json& kept = b.at("layers_kept_fp32");
  ASSERT_FALSE(kept.empty());
  const std::string table = "\n" + slurp(wd / "end2end.table");
  for (const json& k : kept) {  // a table line starts with the layer's name
    const std::string layer = k.at("layer").get<std::string>();
    EXPECT_EQ(table.find("\n" + layer + "_param_0 "), std::string::npos) << layer << " is still in the table";
    EXPECT_EQ(table.find("\n" + layer + " "), std::string::npos) << layer << "'s input is still in the table";
  }
  EXPECT_NE(table.find("_param_0 "), std::string::npos) << "the other layers stay int8";
  EXPECT_NE(r.out.find("layer(s) kept in fp32"), std::string::npos) << r.out;
}

TEST_F(DeployCli, Fp32TestSetFromDeployConfigKeys) {
  // test.dataset relative to the deploy config's folder, test.num = 50; no --quant: fp32 only.
  fs::create_directory_symlink(test_set_, dir_ / "testset");
  const fs::path cfg = dir_ / "deploy.toml";
  std::ofstream(cfg) << "[quantize]\nenabled = false\n\n[test]\nbatch = 1\ndataset = \"testset\"\nnum = 50\n";
  const fs::path wd = dir_ / "fp32";
  const CmdResult r = run_qdeploy("deploy " + cfg.string() + " " + cfg_ + " " + onnx_ + " " + image_ +
                                  " --work-dir " + wd.string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.find("warning"), std::string::npos) << r.out;  // both keys are known
  const json d = json::parse(slurp(wd / "deploy.json"));
  EXPECT_EQ(d.at("test_dataset").at("path").get<std::string>(), (dir_ / "testset").string());
  expect_accuracy_matches_confusion(d, "fp32", 50);
  EXPECT_FALSE(d["accuracy"].contains("int8"));
  EXPECT_FALSE(d.contains("layer_snr"));
  EXPECT_FALSE(d["speed"].contains("int8"));
  const std::string page = slurp(wd / "report.html");
  EXPECT_EQ(count(page, "<table class=\"confusion\">"), 1u);
  // Only what needs an int8 model: the int8 prediction of the test image and the SNR.
  EXPECT_EQ(count(page, "not measured in this run"), 2u);
  EXPECT_NE(page.find("int8 prediction: not measured"), std::string::npos);
  EXPECT_NE(page.find("Per-layer SNR: not measured"), std::string::npos);
  // --test-num on the command line overrides the config's test.num.
  const CmdResult r2 = run_qdeploy("deploy " + cfg.string() + " " + cfg_ + " " + onnx_ + " " + image_ +
                                   " --work-dir " + wd.string() + " --test-num 20");
  ASSERT_EQ(r2.code, 0) << r2.out;
  EXPECT_EQ(json::parse(slurp(wd / "deploy.json"))["test_dataset"]["images"].get<int64_t>(), 20);
}

TEST_F(DeployCli, WithoutTestSetTheReportSaysHowToMeasureAccuracy) {
  const fs::path wd = dir_ / "plain";
  const CmdResult r = run_qdeploy("deploy " + kSrc + "/configs/deploy/classification_ncnn_static.toml " +
                                  cfg_ + " " + onnx_ + " " + image_ + " --work-dir " + wd.string());
  ASSERT_EQ(r.code, 0) << r.out;
  const json d = json::parse(slurp(wd / "deploy.json"));
  EXPECT_FALSE(d.contains("accuracy"));
  EXPECT_TRUE(d.contains("speed"));
  const std::string page = slurp(wd / "report.html");
  EXPECT_NE(page.find("Accuracy: not measured in this run"), std::string::npos);
  EXPECT_NE(page.find("--test-dataset DIR"), std::string::npos);
}

}  // namespace
