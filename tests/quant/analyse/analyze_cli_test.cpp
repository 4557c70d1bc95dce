// Smoke run of `qdeploy analyze` on ResNet-20 with a few shared calibration images: calibrate a table with
// the binary, analyse, and check the JSON and PNGs. Needs the qdeploy target built next to this test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;

fs::path qdeploy_binary() { return fs::read_symlink("/proc/self/exe").parent_path() / "qdeploy"; }

bool is_png(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  char sig[8] = {};
  in.read(sig, 8);
  return in && std::string(sig + 1, 3) == "PNG";
}

int run(const std::string& cmd) { return std::system((cmd + " > /dev/null 2>&1").c_str()); }

TEST(AnalyzeCli, ResNet20TableSmokeRun) {
  const fs::path bin = qdeploy_binary();
  ASSERT_TRUE(fs::exists(bin)) << bin << " not found: build the qdeploy target first";
  const std::string src = QDEPLOY_SOURCE_DIR, shared = QDEPLOY_SHARED_DIR;
  const std::string config = src + "/configs/resnet20_cifar10.toml";
  const std::string onnx = shared + "/models/resnet20_cifar10.onnx";
  const fs::path dir = fs::temp_directory_path() / ("qd_analyze_cli_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string param = (dir / "end2end.param").string(), bin_file = (dir / "end2end.bin").string();
  const std::string table = (dir / "end2end.table").string();
  ASSERT_EQ(run(bin.string() + " convert " + onnx + " --work-dir " + dir.string()), 0);
  ASSERT_EQ(run(bin.string() + " calibrate " + config + " " + param + " " + bin_file +
                " --calib-num 16 --out " + table),
            0);
  const fs::path out = dir / "out";
  ASSERT_EQ(run(bin.string() + " analyze " + config + " " + param + " " + table +
                " --num 8 --batch 4 --out-dir " + out.string()),
            0);
  std::ifstream in(out / "analysis.json");
  ASSERT_TRUE(in);
  const nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j["images"], 8);
  const auto& layers = j["layers"];
  ASSERT_GE(layers.size(), 19u);  // ResNet-20: 19 convs + 1 fc (+ downsample convs)
  double prev = -1e9;
  for (const auto& l : layers) {
    const double snr = l["layer_wise"]["snr_db"].get<double>();
    EXPECT_GE(snr, prev) << "sorted worst first";
    prev = snr;
    EXPECT_GT(snr, 10.0) << l["layer"];
    EXPECT_GT(l["graph_wise"]["cosine"].get<double>(), 0.9) << l["layer"];
  }
  EXPECT_TRUE(is_png(out / "snr_per_layer.png"));
  ASSERT_EQ(j["histograms"].size(), 3u);
  for (const auto& h : j["histograms"]) EXPECT_TRUE(is_png(h.get<std::string>())) << h;
  fs::remove_all(dir);
}

}  // namespace
