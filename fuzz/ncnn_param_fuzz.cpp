// libFuzzer target: an ncnn .param file (text) loaded with load_ncnn against a 128 KiB all-zero .bin, so
// every layer the text describes is translated (weights read as fp32 zeros) and shapes are inferred.
#include <cstdint>

#include "frontend/ncnn/ncnn_reader.h"
#include "fuzz_common.h"

namespace {
const std::string& zero_bin() {
  static const std::string path = [] {
    std::string p = qd::fuzz::scratch_path("zero.bin");
    std::string zeros(128 << 10, '\0');  // enough for small models; big ones stop at a short-bin error
    qd::fuzz::write_file(p, reinterpret_cast<const uint8_t*>(zeros.data()), zeros.size());
    return p;
  }();
  return path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string param = qd::fuzz::scratch_path("in.param");
  qd::fuzz::write_file(param, data, size);
  qd::fuzz::expect_clean([&] { qd::frontend::load_ncnn(param, zero_bin()); });
  return 0;
}
