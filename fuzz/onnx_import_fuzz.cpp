// libFuzzer target: ONNX bytes through the whole importer (the wire reader that leaves raw_data in place,
// protobuf parse, checks, op translation, shape inference, import passes), as import_onnx does for a file.
// External data is looked up in a scratch folder that holds one small weights file.
#include <onnx/onnx_pb.h>

#include <cstdint>

#include "frontend/onnx/onnx_importer.h"
#include "frontend/onnx/onnx_wire_reader.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string context = [] {
    std::string dir = qd::fuzz::scratch_path("onnx");
    std::filesystem::create_directories(dir);
    std::string w(4096, '\x01');
    qd::fuzz::write_file(dir + "/weights.bin", reinterpret_cast<const uint8_t*>(w.data()), w.size());
    return dir + "/model.onnx";
  }();
  qd::frontend::OnnxWithoutRawData m;
  if (!qd::frontend::parse_onnx_without_raw_data(data, size, m)) return 0;  // import_onnx: a user error
  qd::fuzz::expect_clean([&] { qd::frontend::import_onnx_proto(m.model, context, m.initializer_raw_data); });
  return 0;
}
