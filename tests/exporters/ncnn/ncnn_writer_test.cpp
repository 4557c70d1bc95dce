// save_ncnn: fp32 round trips, and the int8 output against files written by ncnn2int8 itself.
#include "exporters/ncnn/ncnn_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.h"
#include "exporters/ncnn/graph_compare.h"
#include "exporters/ncnn/read_text.h"
#include "frontend/ncnn/ncnn_reader.h"
#include "frontend/ncnn/ncnn_table_reader.h"

namespace {

using qd::ir::OpKind;
namespace fs = std::filesystem;
const std::string kNcnnRef = std::string(QDEPLOY_SHARED_DIR) + "/ncnn-reference/";

using qd::test::read_text;

std::vector<uint8_t> read_bytes(const std::string& p) {
  std::string s = read_text(p);
  return {s.begin(), s.end()};
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream is(text);
  std::string l;
  while (std::getline(is, l)) out.push_back(l);
  return out;
}

class NcnnWriter : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qd_ncnn_writer_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!std::getenv("QD_KEEP_TEST_FILES")) fs::remove_all(dir_);
  }
  std::string path(const std::string& name) { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(NcnnWriter, Fp32RoundTripOfOnnx2ncnnOutput) {
  auto a = qd::frontend::load_ncnn(kNcnnRef + "resnet20.param", kNcnnRef + "resnet20.bin");
  qd::exporters::save_ncnn(a, path("r.param"), path("r.bin"));
  auto b = qd::frontend::load_ncnn(path("r.param"), path("r.bin"));
  qd::test::expect_same_graph(a.graph, b.graph);
  EXPECT_TRUE(b.quant.empty());
  // Same weights => same .bin size as the fp32 file ncnn wrote (tags, weights, biases).
  EXPECT_EQ(fs::file_size(path("r.bin")), fs::file_size(kNcnnRef + "resnet20.bin"));
  EXPECT_EQ(read_bytes(path("r.bin")), read_bytes(kNcnnRef + "resnet20.bin"));
  // Nothing temporary left behind.
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();
}

TEST_F(NcnnWriter, Fp32OptimizedModelIsReproducedByteForByte) {
  // ncnnoptimize wrote resnet20-opt with the same layout ncnn's model writer uses; reading and writing
  // it again must give the identical files.
  auto m = qd::frontend::load_ncnn(kNcnnRef + "resnet20-opt.param", kNcnnRef + "resnet20-opt.bin");
  qd::exporters::save_ncnn(m, path("o.param"), path("o.bin"));
  auto want = lines(read_text(kNcnnRef + "resnet20-opt.param"));
  auto got = lines(read_text(path("o.param")));
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << "line " << i + 1;
  EXPECT_EQ(read_bytes(path("o.bin")), read_bytes(kNcnnRef + "resnet20-opt.bin"));
}

// Walks an int8 resnet-style .bin (only Convolution / InnerProduct carry data) using the .param of
// the reference file and counts differences region by region, so a failure says what differs.
struct Int8BinDiff {
  size_t weight_bytes = 0;  // differing bytes in tags + int8 weights + padding
  size_t bias_values = 0;   // differing fp32 bias values
  size_t scale_values = 0;  // differing fp32 scale values (weight, bottom and top blob multipliers)
  size_t total_scales = 0;
};

Int8BinDiff diff_int8_bins(const std::vector<uint8_t>& got, const std::vector<uint8_t>& want,
                           const std::string& param_text) {
  Int8BinDiff d;
  size_t pos = 0;
  auto floats_at = [&](const std::vector<uint8_t>& b, size_t at) {
    float f;
    std::memcpy(&f, b.data() + at, 4);
    return f;
  };
  auto compare_floats = [&](size_t count, bool is_scale) {
    for (size_t i = 0; i < count; ++i, pos += 4) {
      const float a = floats_at(got, pos), b = floats_at(want, pos);
      if (is_scale) ++d.total_scales;
      if (std::memcmp(&a, &b, 4) == 0) continue;
      ++(is_scale ? d.scale_values : d.bias_values);
    }
  };
  auto ls = lines(param_text);
  for (size_t li = 2; li < ls.size(); ++li) {
    std::istringstream is(ls[li]);
    std::string type, name;
    int nb = 0, nt = 0;
    is >> type >> name >> nb >> nt;
    std::string tok;
    for (int i = 0; i < nb + nt; ++i) is >> tok;
    std::map<int, int> kv;
    while (is >> tok) kv[std::stoi(tok.substr(0, tok.find('=')))] = std::stoi(tok.substr(tok.find('=') + 1));
    if (type != "Convolution" && type != "InnerProduct") continue;
    const int n = kv[0], wsize = type == "Convolution" ? kv[6] : kv[2], term = kv[8];
    EXPECT_NE(term, 0) << name;
    const size_t wbytes = 4 + (static_cast<size_t>(wsize) + 3) / 4 * 4;
    for (size_t i = 0; i < wbytes; ++i) d.weight_bytes += got.at(pos + i) != want.at(pos + i);
    pos += wbytes;
    compare_floats(n, false);                    // bias
    compare_floats(n + 1 + (term > 100), true);  // weight scales, bottom scale, top scale
  }
  EXPECT_EQ(pos, want.size());
  return d;
}

TEST_F(NcnnWriter, Int8MatchesNcnn2int8) {
  // The strongest interoperability check: qdeploy's int8 writer fed with ncnn's own fp32 model and
  // ncnn2table's table must reproduce what ncnn2int8 wrote.
  auto m = qd::frontend::load_ncnn(kNcnnRef + "resnet20-opt.param", kNcnnRef + "resnet20-opt.bin");
  m.quant = qd::frontend::load_ncnn_table(kNcnnRef + "resnet20-kl.table", m.graph);
  ASSERT_EQ(m.quant.layers.size(), 22u);
  qd::exporters::save_ncnn(m, path("q.param"), path("q.bin"));

  auto want = lines(read_text(kNcnnRef + "resnet20-kl-int8.param"));
  auto got = lines(read_text(path("q.param")));
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << "line " << i + 1;

  const auto want_bin = read_bytes(kNcnnRef + "resnet20-kl-int8.bin");
  const auto got_bin = read_bytes(path("q.bin"));
  ASSERT_EQ(got_bin.size(), want_bin.size());
  Int8BinDiff d = diff_int8_bins(got_bin, want_bin, read_text(kNcnnRef + "resnet20-kl-int8.param"));
  EXPECT_EQ(d.weight_bytes, 0u);
  EXPECT_EQ(d.bias_values, 0u);
  // Every fp32 multiplier exactly as ncnn2int8 copied it from the table. (With float steps in the IR,
  // 122 of these 825 came back one ulp off: several float multipliers share one float reciprocal.)
  EXPECT_EQ(d.total_scales, 825u);
  EXPECT_EQ(d.scale_values, 0u) << "of " << d.total_scales << " fp32 scales";
  EXPECT_TRUE(got_bin == want_bin) << "the int8 .bin is not byte-identical to ncnn2int8's";

  // Reading both int8 models gives the same graph and the same quantization parameters.
  auto a = qd::frontend::load_ncnn(path("q.param"), path("q.bin"));
  auto b = qd::frontend::load_ncnn(kNcnnRef + "resnet20-kl-int8.param", kNcnnRef + "resnet20-kl-int8.bin");
  qd::test::expect_same_graph(a.graph, b.graph);
  ASSERT_EQ(a.quant.layers.size(), b.quant.layers.size());
  for (const auto& [name, qa] : a.quant.layers) {
    const auto& qb = b.quant.layers.at(name);
    EXPECT_EQ(qa.input_scale, qb.input_scale) << name;
    EXPECT_EQ(qa.output_scale, qb.output_scale) << name;
    EXPECT_EQ(qa.weight_scales, qb.weight_scales) << name;
    EXPECT_EQ(qa.weight_bits, qb.weight_bits) << name;
  }
}

TEST_F(NcnnWriter, Int8RoundTripKeepsQuantizedWeightsAndScales) {
  auto a = qd::frontend::load_ncnn(kNcnnRef + "resnet20-kl-int8.param", kNcnnRef + "resnet20-kl-int8.bin");
  qd::exporters::save_ncnn(a, path("i.param"), path("i.bin"));
  EXPECT_EQ(read_text(path("i.param")), read_text(kNcnnRef + "resnet20-kl-int8.param"));
  const auto want_bin = read_bytes(kNcnnRef + "resnet20-kl-int8.bin");
  const auto got_bin = read_bytes(path("i.bin"));
  ASSERT_EQ(got_bin.size(), want_bin.size());
  Int8BinDiff d = diff_int8_bins(got_bin, want_bin, read_text(kNcnnRef + "resnet20-kl-int8.param"));
  EXPECT_EQ(d.weight_bytes, 0u);
  EXPECT_EQ(d.bias_values, 0u);
  EXPECT_EQ(d.scale_values, 0u) << "of " << d.total_scales << " fp32 scales";
  EXPECT_TRUE(got_bin == want_bin) << "the int8 .bin is not byte-identical to ncnn2int8's";
}

}  // namespace
