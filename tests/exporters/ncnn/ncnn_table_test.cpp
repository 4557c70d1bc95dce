// ncnn .table reading and writing: ncnn2table's own file, round trips, and broken tables.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.h"
#include "exporters/ncnn/ncnn_table_writer.h"
#include "exporters/ncnn/read_text.h"
#include "frontend/ncnn/ncnn_reader.h"
#include "frontend/ncnn/ncnn_table_reader.h"

namespace {

namespace fs = std::filesystem;
const std::string kRef = std::string(QDEPLOY_SHARED_DIR) + "/ncnn-reference/";

using qd::test::read_text;

const qd::ir::Model& opt_model() {
  static const qd::ir::Model m =
      qd::frontend::load_ncnn(kRef + "resnet20-opt.param", kRef + "resnet20-opt.bin");
  return m;
}

const qd::ir::Node& node(const qd::ir::Graph& g, const std::string& name) {
  for (const auto& n : g.nodes())
    if (n.name == name) return n;
  throw std::runtime_error("no node " + name);
}

TEST(NcnnTable, ReadsNcnn2tableOutput) {
  const auto& g = opt_model().graph;
  auto q = qd::frontend::load_ncnn_table(kRef + "resnet20-kl.table", g);
  EXPECT_EQ(q.layers.size(), 22u);  // 21 Convolution + 1 InnerProduct, 44 lines
  const auto& first = q.layers.at("/conv1/Conv");
  EXPECT_NEAR(first.input_scale, 1.0 / 46.130482, 1e-7 / 46.13);  // float precision
  ASSERT_EQ(first.weight_scales.size(), 16u);
  EXPECT_NEAR(first.weight_scales[15], 1.0 / 213.645020, 1e-7 / 213.6);
  EXPECT_NEAR(q.layers.at("/fc/Gemm").input_scale, 1.0 / 45.271420, 1e-7 / 45.27);
  // Bits: ncnn2table used 31/absmax for 3x3 stride-1 convolutions; for them every weight
  // quantizes into [-31, 31]; the others (first-of-stage stride-2 convs, 1x1 downsamples, fc) use 127.
  int six = 0;
  for (const auto& [name, lq] : q.layers) {
    const auto& n = node(g, name);
    bool winograd = false;
    if (n.op == qd::ir::OpKind::Conv) {
      const auto& a = n.attr<qd::ir::ConvAttrs>();
      winograd = a.kernel_h == 3 && a.stride_h == 1;
    }
    EXPECT_EQ(lq.weight_bits, winograd ? 6 : 8) << name;
    six += lq.weight_bits == 6;
    // Independent check of the range: max |w| / step is 31 (or 127) up to rounding of the table.
    const auto& w = g.value(n.inputs[1]).constant;
    const int64_t per = w.numel() / w.dim(0);
    for (int64_t o = 0; o < w.dim(0); ++o) {
      double amax = 0;
      for (int64_t i = 0; i < per; ++i)
        amax = std::max(amax, std::fabs(double(w.data<float>()[o * per + i])));
      EXPECT_NEAR(amax / lq.weight_scales[o], winograd ? 31.0 : 127.0, 1e-3) << name << " channel " << o;
    }
  }
  EXPECT_EQ(six, 17);
}

TEST(NcnnTable, WriteReproducesNcnn2tableText) {
  // Reading ncnn2table's file and writing it again gives the same text, character for character: the
  // fp32 multipliers survive multiplier -> step -> multiplier exactly and print as ncnn's "%f ".
  const auto& g = opt_model().graph;
  auto q = qd::frontend::load_ncnn_table(kRef + "resnet20-kl.table", g);
  const std::string want = read_text(kRef + "resnet20-kl.table");
  const std::string got = qd::exporters::ncnn_table_text(q, g);
  std::istringstream gs(got), ws(want);
  std::string gl, wl;
  int line = 0;
  while (std::getline(ws, wl)) {
    ++line;
    ASSERT_TRUE(std::getline(gs, gl)) << "missing line " << line;
    EXPECT_EQ(gl, wl) << "line " << line;
  }
  EXPECT_EQ(line, 44);
  EXPECT_EQ(got, want);
}

TEST(NcnnTable, WriteReadRoundTrip) {
  const auto& g = opt_model().graph;
  auto q = qd::frontend::load_ncnn_table(kRef + "resnet20-kl.table", g);
  auto dir = fs::temp_directory_path() / ("qd_ncnn_table_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string p = (dir / "t.table").string();
  qd::exporters::save_ncnn_table(q, g, p);
  auto back = qd::frontend::load_ncnn_table(p, g);
  fs::remove_all(dir);
  ASSERT_EQ(back.layers.size(), q.layers.size());
  for (const auto& [name, lq] : q.layers) {
    const auto& lb = back.layers.at(name);
    EXPECT_EQ(lb.input_scale, lq.input_scale) << name;
    EXPECT_EQ(lb.weight_scales, lq.weight_scales) << name;
    EXPECT_EQ(lb.weight_bits, lq.weight_bits) << name;
  }
}

TEST(NcnnTable, SmallMultipliersGetEnoughDecimalsToReadBackExactly) {
  // Multipliers below ~16 have fp32 spacing under 1e-6, so ncnn's 6 decimals would lose them (a table
  // written from calibrated steps would then quantize differently from the model written from memory).
  // Steps chosen so every multiplier lies in [0.004, 12): 1/step rounded to fp32 must come back unchanged.
  qd::ir::Graph g = opt_model().graph;
  auto q = qd::frontend::load_ncnn_table(kRef + "resnet20-kl.table", g);
  double factor = 3.0;
  for (auto& [name, lq] : q.layers) {
    lq.input_scale *= factor;  // 46.13 * ... -> multipliers from ~15 down to ~0.01
    for (double& s : lq.weight_scales) s *= factor * 7.0;
    factor *= 1.37;
  }
  const std::string text = qd::exporters::ncnn_table_text(q, g);
  std::map<std::string, std::vector<float>> read;  // parsed with strtof, as ncnn2int8's sscanf("%f")
  std::istringstream is(text);
  std::string line;
  int long_values = 0;
  while (std::getline(is, line)) {
    std::istringstream ls(line);
    std::string key, tok;
    ls >> key;
    while (ls >> tok) {
      read[key].push_back(std::strtof(tok.c_str(), nullptr));
      const size_t decimals = tok.size() - tok.find('.') - 1;
      EXPECT_GE(decimals, 6u) << tok;  // never fewer digits than ncnn's "%f"
      long_values += decimals > 6;
    }
  }
  EXPECT_GT(long_values, 50);
  for (const auto& [name, lq] : q.layers) {
    const float m_in = static_cast<float>(1.0 / lq.input_scale);
    EXPECT_EQ(read.at(name).at(0), m_in) << name;
    const auto& w = read.at(name + "_param_0");
    ASSERT_EQ(w.size(), lq.weight_scales.size()) << name;  // resnet20: one scale per output channel
    for (size_t c = 0; c < w.size(); ++c)
      EXPECT_EQ(w[c], static_cast<float>(1.0 / lq.weight_scales[c])) << name << " " << c;
  }
}

class NcnnTableErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qd_ncnn_table_err_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // Writes a table made of the fc lines plus `extra` and expects a user error containing `fragments`.
  void expect_error(const std::string& text, std::vector<std::string> fragments,
                    qd::ErrorKind kind = qd::ErrorKind::user) {
    const std::string p = (dir_ / "bad.table").string();
    std::ofstream(p) << text;
    try {
      qd::frontend::load_ncnn_table(p, opt_model().graph);
      FAIL() << "no error for:\n" << text;
    } catch (const qd::Error& e) {
      EXPECT_EQ(e.kind(), kind) << e.what();
      for (const auto& f : fragments) EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what();
    }
  }
  fs::path dir_;
};

std::string fc_weights(const std::string& tenth = "1.0") {
  return "/fc/Gemm_param_0 1 2 3 4 5 6 7 8 9 " + tenth + " \n";
}

TEST_F(NcnnTableErrors, BadTables) {
  const std::string act = "/fc/Gemm 45.0 \n";
  expect_error(fc_weights() + act + "/nope 3.0\n", {"bad.table:3", "'/nope'", "not in the model"});
  expect_error(fc_weights("abc") + act, {"bad.table:1", "'/fc/Gemm'", "'abc' is not a number"});
  expect_error(fc_weights("-1") + act, {"bad.table:1", "'/fc/Gemm'", "positive"});
  expect_error(fc_weights("0") + act, {"bad.table:1", "positive"});
  expect_error(fc_weights("nan") + act, {"bad.table:1", "positive finite"});
  expect_error(fc_weights("inf") + act, {"bad.table:1", "positive finite"});
  expect_error("/fc/Gemm_param_0 1 2 3\n" + act,
               {"bad.table:1", "'/fc/Gemm'", "3 weight scales, expected 10"});
  expect_error(fc_weights() + "/fc/Gemm 1 2\n", {"bad.table:2", "2 activation scales, expected 1"});
  expect_error(fc_weights(), {"bad.table:1", "'/fc/Gemm'", "no activation line"});
  expect_error(act, {"bad.table:1", "'/fc/Gemm'", "no weight line"});
  expect_error(fc_weights() + act + act, {"bad.table:3", "appears twice"});
  expect_error("/layers.0/layers.0.0/Relu_1 3.0\n", {"bad.table:1", "'/layers.0/layers.0.0/Relu_1'", "Relu"});
  expect_error(fc_weights() + act + "/fc/Gemm_param_1 1\n", {"bad.table:3", "_param_0"},
               qd::ErrorKind::unsupported);
  // Layers absent from the table stay fp32.
  const std::string p = (dir_ / "ok.table").string();
  std::ofstream(p) << fc_weights() << act;
  auto q = qd::frontend::load_ncnn_table(p, opt_model().graph);
  EXPECT_EQ(q.layers.size(), 1u);
  EXPECT_EQ(q.layers.count("/conv1/Conv"), 0u);
}

TEST(NcnnTable, MissingFileIsAUserError) {
  try {
    qd::frontend::load_ncnn_table("/nonexistent/x.table", opt_model().graph);
    FAIL();
  } catch (const qd::Error& e) {
    EXPECT_EQ(e.kind(), qd::ErrorKind::user);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.table"), std::string::npos);
  }
}

}  // namespace
