// An ONNX ModelProto parsed from bytes WITHOUT copying the graph initializers' raw_data. protobuf 3.21 copies
// every bytes field into its own std::string, so ParseFromArray on ResNet-18's 44 MB of weights allocated,
// page-faulted and copied 44 MB before the importer copied them again into tensors (a third of the time to
// open the file). Here the raw_data bytes stay where they are (the caller's mapped file) and are handed to
// tensor_from_proto, which copies them once, into the tensor.
#pragma once
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace qd::frontend {

struct OnnxWithoutRawData {
  // As ParseFromArray would give it, except that model.graph().initializer(i) has no raw_data field...
  onnx::ModelProto model;
  // ...which is here instead: initializer_raw_data[i] points into the parsed bytes (nullopt = the
  // initializer had no raw_data). The bytes must outlive every use of these spans.
  std::vector<std::optional<std::span<const uint8_t>>> initializer_raw_data;
};

// Walks the protobuf wire format of ModelProto -> graph (GraphProto) -> initializer (TensorProto) and parses
// everything but TensorProto.raw_data with protobuf itself, with protobuf's semantics (a repeated graph
// field merges, the last raw_data of a tensor wins). Returns false where ParseFromArray would fail
// (truncated or malformed bytes).
bool parse_onnx_without_raw_data(const uint8_t* data, size_t size, OnnxWithoutRawData& out);

}  // namespace qd::frontend
