// Error contract (docs/errors.md) for bad ncnn .param/.bin files and .table files, through
// `qdeploy quantize <param> <bin> <table> --out-prefix out/m`: exit 1 (2 for an unsupported layer type),
// one "qdeploy: error: <file>: ..." line, no output file.
#include <gtest/gtest.h>

#include <cmath>

#include "cli_errors/cli_harness.h"
#include "cli_errors/tiny_model.h"

namespace qd::test {
namespace {

std::vector<std::string> text_lines(const std::string& path) { return lines_of(read_bytes(path)); }

std::string join_lines(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

std::vector<std::string> tokens(const std::string& line) {
  std::istringstream is(line);
  std::vector<std::string> t;
  for (std::string w; is >> w;) t.push_back(w);
  return t;
}

// Index of the first .param line whose layer type is `type` (-1 when none).
int line_of_type(const std::vector<std::string>& lines, const std::string& type) {
  for (size_t i = 2; i < lines.size(); ++i)
    if (!tokens(lines[i]).empty() && tokens(lines[i])[0] == type) return static_cast<int>(i);
  return -1;
}

class NcnnErrors : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    files = new TinyModelFiles();
    // A valid table from our own calibration of the tiny model.
    table = files->dir / "tiny.table";
    RunResult r = run_qdeploy({"calibrate", files->toml, files->param, files->bin, "--out", table});
    ASSERT_EQ(r.code, 0) << describe(r);
  }
  static void TearDownTestSuite() { delete files; }

  // Runs quantize on the given files; checks the contract and that nothing was written.
  void expect_quantize_error(const std::string& param, const std::string& bin, const std::string& tbl,
                             int code, const std::string& file, const std::string& what) {
    const std::string out = dir / ("out" + std::to_string(runs++));
    std::filesystem::create_directories(out);
    RunResult r = run_qdeploy({"quantize", param, bin, tbl, "--out-prefix", out + "/m"});
    EXPECT_TRUE(is_error(r, code, file, what));
    EXPECT_EQ(files_under(out), std::vector<std::string>{});
  }
  void expect_param_error(const std::vector<std::string>& lines, int code, const std::string& what) {
    const std::string p = dir / ("bad" + std::to_string(runs) + ".param");
    write_bytes(p, join_lines(lines));
    expect_quantize_error(p, files->bin, table, code, p, what);
  }
  void expect_table_error(const std::string& text, const std::string& what) {
    const std::string t = dir / ("bad" + std::to_string(runs) + ".table");
    write_bytes(t, text);
    expect_quantize_error(files->param, files->bin, t, 1, t, what);
  }

  static TinyModelFiles* files;
  static std::string table;
  TempDir dir;
  int runs = 0;
};
TinyModelFiles* NcnnErrors::files = nullptr;
std::string NcnnErrors::table;

TEST_F(NcnnErrors, GoodFilesQuantize) {
  const std::string out = dir / "good";
  std::filesystem::create_directories(out);
  RunResult r = run_qdeploy({"quantize", files->param, files->bin, table, "--out-prefix", out + "/m"});
  EXPECT_TRUE(is_success(r));
  EXPECT_EQ(files_under(out), (std::vector<std::string>{"m.bin", "m.param"}));
}

TEST_F(NcnnErrors, QuantizeMaxDropNeedsConfigAndLabelledImages) {
  const std::string out = dir / "max_drop";
  std::filesystem::create_directories(out);
  RunResult r = run_qdeploy(
      {"quantize", files->param, files->bin, table, "--out-prefix", out + "/m", "--max-drop", "1"});
  EXPECT_TRUE(is_error(r, 1, "--max-drop", "needs --config"));
  r = run_qdeploy({"quantize", files->param, files->bin, table, "--out-prefix", out + "/m", "--max-drop", "1",
                   "--config", files->toml, "--val-dataset", files->calib});
  EXPECT_TRUE(is_error(r, 1, files->calib, "validation images need labels"));
  EXPECT_TRUE(files_under(out).empty());
}

TEST_F(NcnnErrors, QuantizeMaxDropOnPrefixLabelledFolderWritesTheModel) {
  const std::string val = dir / "val", out = dir / "max_drop_ok";
  std::filesystem::create_directories(out);
  write_png(val + "/cat_0.png", 8, 8, 3, test_pixels(8, 8, 3, 4));
  write_png(val + "/dog_1.png", 8, 8, 3, test_pixels(8, 8, 3, 5));
  RunResult r = run_qdeploy({"quantize", files->param, files->bin, table, "--out-prefix", out + "/m",
                             "--max-drop", "100", "--config", files->toml, "--val-dataset", val});
  EXPECT_TRUE(is_success(r));
  EXPECT_NE(r.out.find("mixed precision: budget 100.00 points"), std::string::npos) << r.out;
  EXPECT_EQ(files_under(out), (std::vector<std::string>{"m.bin", "m.param"}));
}

TEST_F(NcnnErrors, ParamWrongMagic) {
  auto lines = text_lines(files->param);
  lines[0] = "7767518";
  expect_param_error(lines, 1, "not an ncnn .param file");
}

TEST_F(NcnnErrors, ParamWrongLayerCount) {
  auto lines = text_lines(files->param);
  auto counts = tokens(lines[1]);
  lines[1] = std::to_string(std::stoi(counts[0]) + 1) + " " + counts[1];
  expect_param_error(lines, 1, "layers but the file has");
}

TEST_F(NcnnErrors, ParamWrongBlobCount) {
  auto lines = text_lines(files->param);
  auto counts = tokens(lines[1]);
  lines[1] = counts[0] + " " + std::to_string(std::stoi(counts[1]) + 3);
  expect_param_error(lines, 1, "blobs but the layers produce");
}

TEST_F(NcnnErrors, ParamUnknownLayerTypeIsExitCode2) {
  auto lines = text_lines(files->param);
  int i = line_of_type(lines, "Pooling");
  ASSERT_GE(i, 0) << join_lines(lines);
  lines[i].replace(0, 7, "FancyPooling");
  expect_param_error(lines, 2, "unsupported ncnn layer type 'FancyPooling'");
}

TEST_F(NcnnErrors, ParamBlobUsedBeforeProduced) {
  auto lines = text_lines(files->param);
  int i = line_of_type(lines, "Pooling");
  ASSERT_GE(i, 3) << join_lines(lines);
  std::swap(lines[i], lines[i - 1]);  // Pooling now reads the blob of the layer after it
  expect_param_error(lines, 1, "before any layer produces it");
}

TEST_F(NcnnErrors, BinShorterThanParamImplies) {
  std::string bytes = read_bytes(files->bin);
  const std::string b = dir / "short.bin";
  write_bytes(b, bytes.substr(0, bytes.size() - 4));
  expect_quantize_error(files->param, b, table, 1, b, "file too short for the .param");
  write_bytes(b, "");
  expect_quantize_error(files->param, b, table, 1, b, "file too short for the .param");
}

TEST_F(NcnnErrors, BinLongerThanParamImplies) {
  const std::string b = dir / "long.bin";
  write_bytes(b, read_bytes(files->bin) + std::string(8, '\0'));
  expect_quantize_error(files->param, b, table, 1, b, "file longer than the .param implies");
}

TEST_F(NcnnErrors, TableUnknownLayer) {
  expect_table_error(read_bytes(table) + "no_such_layer 12.5\n", "layer 'no_such_layer' is not in the model");
}

// Replaces the first scale of the last (activation) line of the table.
std::string with_activation_scale(const std::string& table_text, const std::string& scale) {
  auto lines = lines_of(table_text);
  auto t = tokens(lines.back());
  lines.back() = t[0] + " " + scale;
  return join_lines(lines);
}

TEST_F(NcnnErrors, TableNonNumericScale) {
  expect_table_error(with_activation_scale(read_bytes(table), "12.5abc"), "is not a number");
}

TEST_F(NcnnErrors, TableNonPositiveScale) {
  expect_table_error(with_activation_scale(read_bytes(table), "0"), "must be a positive finite number");
  expect_table_error(with_activation_scale(read_bytes(table), "-3.5"), "must be a positive finite number");
}

TEST_F(NcnnErrors, TableNanOrInfScale) {
  expect_table_error(with_activation_scale(read_bytes(table), "nan"), "must be a positive finite number");
  expect_table_error(with_activation_scale(read_bytes(table), "inf"), "must be a positive finite number");
}

TEST_F(NcnnErrors, TableLayerWithoutWeightLine) {
  auto lines = text_lines(table);
  lines.erase(lines.begin());  // drop the first _param_0 line, keep its activation line
  expect_table_error(join_lines(lines), "has an activation line but no weight line");
}

TEST_F(NcnnErrors, TableForAnotherModel) {
  // No line names a layer of this model: every line is an unknown layer (the first one is reported).
  expect_table_error("conv_of_other_model_param_0 1.5\nconv_of_other_model 2.5\n", "is not in the model");
}

TEST_F(NcnnErrors, TableWithNoLayers) { expect_table_error("# nothing\n\n", "no layer scales"); }

TEST_F(NcnnErrors, TableMissingLayerWarnsAndKeepsItFp32) {
  // Dropping one layer's two lines is a valid partial table (ncnn2int8 keeps that layer fp32): warn.
  auto lines = text_lines(table);
  ASSERT_GE(lines.size(), 4u) << read_bytes(table);
  const std::string layer = tokens(lines[0])[0].substr(0, tokens(lines[0])[0].rfind("_param_0"));
  std::vector<std::string> kept;
  for (const auto& l : lines)
    if (tokens(l)[0] != layer && tokens(l)[0] != layer + "_param_0") kept.push_back(l);
  const std::string t = dir / "partial.table", out = dir / "partial";
  write_bytes(t, join_lines(kept));
  std::filesystem::create_directories(out);
  RunResult r = run_qdeploy({"quantize", files->param, files->bin, t, "--out-prefix", out + "/m"});
  EXPECT_TRUE(is_success(r, "layer '" + layer + "' has no scales in the table: it stays fp32"));
  EXPECT_EQ(files_under(out), (std::vector<std::string>{"m.bin", "m.param"}));
}

TEST_F(NcnnErrors, MissingParamAndBin) {
  const std::string p = dir / "none.param";
  expect_quantize_error(p, files->bin, table, 1, p, "no such file");
  const std::string b = dir / "none.bin";
  expect_quantize_error(files->param, b, table, 1, b, "no such file");
}

}  // namespace
}  // namespace qd::test
