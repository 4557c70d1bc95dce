// libFuzzer target: an ncnn calibration .table read against the shared fp32 ResNet-20 graph
// (ncnn-reference/resnet20-opt.param/.bin, loaded once).
#include <cstdint>

#include "frontend/ncnn/ncnn_reader.h"
#include "frontend/ncnn/ncnn_table_reader.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const qd::ir::Model model = [] {
    const std::string d = qd::fuzz::shared_dir() + "/ncnn-reference/";
    return qd::frontend::load_ncnn(d + "resnet20-opt.param", d + "resnet20-opt.bin");
  }();
  static const std::string table = qd::fuzz::scratch_path("in.table");
  qd::fuzz::write_file(table, data, size);
  qd::fuzz::expect_clean([&] { qd::frontend::load_ncnn_table(table, model.graph); });
  return 0;
}
