// Atomic outputs (issue 6, point 3): `qdeploy deploy --quant` killed with SIGKILL at random moments leaves
// every output either absent or complete and loadable. Killed runs may leave their temporary files
// ("<name>.tmp.<pid>"), never a partial file under an output's name.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>

#include "cli_errors/cli_harness.h"
#include "cli_errors/tiny_model.h"
#include "data/image.h"
#include "frontend/ncnn/ncnn_reader.h"
#include "frontend/ncnn/ncnn_table_reader.h"
#include "frontend/onnx/onnx_importer.h"

namespace qd::test {
namespace {

const std::string kInt8Deploy =
    std::string(QDEPLOY_SOURCE_DIR) + "/configs/deploy/classification_ncnn-int8_static.toml";

bool is_temporary(const std::string& name) { return name.find(".tmp.") != std::string::npos; }

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Loads every output present in `dir` by its kind; a failure names the file. Returns the outputs found.
std::vector<std::string> check_outputs_loadable(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> found;
  auto has = [&](const std::string& n) { return fs::exists(fs::path(dir) / n); };
  auto path = [&](const std::string& n) { return (fs::path(dir) / n).string(); };
  for (const auto& f : files_under(dir)) {
    if (is_temporary(f)) continue;
    found.push_back(f);
    try {
      if (f == "end2end.onnx") {
        frontend::import_onnx(path(f));
      } else if (ends_with(f, ".onnx")) {  // e.g. a Q/DQ export: complete = parses as an ONNX model
        onnx::ModelProto m;
        if (!m.ParseFromString(read_bytes(path(f))) || !m.has_graph())
          ADD_FAILURE() << f << " does not parse";
      } else if (ends_with(f, ".param")) {
        const std::string bin = f.substr(0, f.size() - 6) + ".bin";
        if (has(bin)) frontend::load_ncnn(path(f), path(bin));
      } else if (ends_with(f, ".bin")) {
        // checked with its .param (the reader requires the exact length the .param implies)
      } else if (ends_with(f, ".table")) {
        if (has("end2end.param") && has("end2end.bin")) {
          ir::Model m = frontend::load_ncnn(path("end2end.param"), path("end2end.bin"));
          frontend::load_ncnn_table(path(f), m.graph);
        }
      } else if (ends_with(f, ".png")) {
        decode_image(path(f));
      } else if (ends_with(f, ".json")) {
        (void)nlohmann::json::parse(read_bytes(path(f)));
      } else if (ends_with(f, ".html")) {
        EXPECT_NE(read_bytes(path(f)).find("</html>"), std::string::npos) << f << " is incomplete";
      } else {
        EXPECT_GT(fs::file_size(path(f)), 0u) << f;
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << f << " is not complete/loadable: " << e.what();
    }
  }
  return found;
}

TEST(KillAtomicity, DeployKilledAtRandomMomentsLeavesOnlyCompleteFiles) {
  TinyModelFiles files;
  const std::string out = files.dir / "work";
  const std::vector<std::string> args{"deploy",    kInt8Deploy, files.toml,   files.onnx,
                                      files.image, "--quant",   "--work-dir", out};
  // One complete run gives the duration to draw kill times from (and the full list of outputs).
  const auto t0 = std::chrono::steady_clock::now();
  RunResult full = run_qdeploy(args);
  const int full_ms = static_cast<int>(
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  ASSERT_TRUE(is_success(full));
  const auto all = check_outputs_loadable(out);
  EXPECT_GE(all.size(), 9u) << ::testing::PrintToString(all);  // onnx, param/bin x2, table, 2 png, json

  std::mt19937 rng(6);
  std::uniform_int_distribution<int> when(0, full_ms);
  for (int round = 0; round < 12; ++round) {
    // Half the rounds start from an empty folder (outputs appear one by one), half overwrite old ones.
    if (round % 2 == 0) std::filesystem::remove_all(out);
    const int ms = when(rng);
    RunResult r = run_qdeploy(args, -1, ms);
    EXPECT_TRUE(r.code == 0 || (r.signaled && r.signal == SIGKILL))
        << "round " << round << ": " << describe(r);
    SCOPED_TRACE("killed after " + std::to_string(ms) + " ms of ~" + std::to_string(full_ms));
    check_outputs_loadable(out);
  }
}

}  // namespace
}  // namespace qd::test
