// libFuzzer target: the .bin of the shared ncnn int8 ResNet-20 (resnet20-kl-int8.param, fixed) replaced by
// the fuzz input: weight tags (fp32/fp16/int8), sizes and values go through the bin reader, int8
// dequantization and shape inference.
#include <cstdint>

#include "frontend/ncnn/ncnn_reader.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string param = [] {
    const char* env = std::getenv("QD_FUZZ_PARAM");  // another fixed .param, e.g. resnet20-opt.param
    return env ? std::string(env) : qd::fuzz::shared_dir() + "/ncnn-reference/resnet20-kl-int8.param";
  }();
  static const std::string bin = qd::fuzz::scratch_path("in.bin");
  qd::fuzz::write_file(bin, data, size);
  qd::fuzz::expect_clean([&] { qd::frontend::load_ncnn(param, bin); });
  return 0;
}
