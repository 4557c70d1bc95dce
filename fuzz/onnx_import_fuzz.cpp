// libFuzzer target: ONNX bytes through the whole importer (the wire reader that leaves raw_data in place,
// protobuf parse, checks, op translation, shape inference, import passes), as import_onnx does for a file.
// External data is looked up in a scratch folder that holds one small weights file. The wire reader is also
// checked against protobuf's own parse: it must accept exactly the same inputs and give the same message.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

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
  const bool ok = qd::frontend::parse_onnx_without_raw_data(data, size, m);
  onnx::ModelProto reference;
  if (ok != reference.ParseFromArray(data, static_cast<int>(size))) {
    std::fprintf(stderr, "wire reader %s what protobuf %s\n", ok ? "accepts" : "rejects",
                 ok ? "rejects" : "accepts");
    std::abort();
  }
  if (!ok) return 0;                 // import_onnx: a user error
  onnx::ModelProto whole = m.model;  // raw_data back where protobuf keeps it
  for (int i = 0; i < whole.graph().initializer_size(); ++i)
    if (const auto& raw = m.initializer_raw_data[static_cast<size_t>(i)])
      whole.mutable_graph()->mutable_initializer(i)->set_raw_data(raw->data(), raw->size());
  if (whole.SerializeAsString() != reference.SerializeAsString()) {
    std::fprintf(stderr, "wire reader and protobuf parse different messages\n");
    std::abort();
  }
  qd::fuzz::expect_clean([&] { qd::frontend::import_onnx_proto(m.model, context, m.initializer_raw_data); });
  return 0;
}
