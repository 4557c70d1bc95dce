#include "frontend/onnx/onnx_wire_reader.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <climits>
#include <string>
#include <utility>

namespace qd::frontend {

namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

// Field numbers of onnx.proto.
constexpr uint32_t kModelGraph = 7;        // ModelProto.graph
constexpr uint32_t kGraphInitializer = 5;  // GraphProto.initializer
constexpr uint32_t kTensorRawData = 9;     // TensorProto.raw_data

// One field of a message: its whole encoding (tag, length, payload) and, for length-delimited fields, the
// payload alone.
struct WireField {
  uint32_t number;
  std::span<const uint8_t> encoded;
  std::optional<std::span<const uint8_t>> payload;
};

// Calls `visit(field)` for every field of the message encoded in `bytes`, in order; false on malformed
// bytes or when `visit` returns false. The fields' bounds come from protobuf's own reader.
template <class Visit>
bool for_each_field(std::span<const uint8_t> bytes, Visit&& visit) {
  if (bytes.size() > size_t(INT_MAX)) return false;
  const int size = static_cast<int>(bytes.size());
  CodedInputStream in(bytes.data(), size);
  while (in.CurrentPosition() < size) {
    const int start = in.CurrentPosition();
    const uint32_t tag = in.ReadTag();
    if (tag == 0 || WireFormatLite::GetTagFieldNumber(tag) == 0) return false;
    std::optional<std::span<const uint8_t>> payload;
    if (WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t length = 0;
      if (!in.ReadVarint32(&length)) return false;
      const int at = in.CurrentPosition();
      if (length > uint32_t(size - at) || !in.Skip(static_cast<int>(length))) return false;
      payload = bytes.subspan(static_cast<size_t>(at), length);
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return false;  // also a stray end-group tag
    }
    const auto encoded =
        bytes.subspan(static_cast<size_t>(start), static_cast<size_t>(in.CurrentPosition() - start));
    const auto number = static_cast<uint32_t>(WireFormatLite::GetTagFieldNumber(tag));
    if (!visit(WireField{number, encoded, payload})) return false;
  }
  return true;
}

void append(std::string& to, std::span<const uint8_t> bytes) {
  to.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace

bool parse_onnx_without_raw_data(const uint8_t* data, size_t size, OnnxWithoutRawData& out) {
  // The model's and the graph's other fields, re-encoded side by side (concatenated encodings of a message
  // parse as the merge protobuf applies to repeated occurrences), and each initializer without raw_data.
  std::string model_rest, graph_rest;
  bool has_graph = false;
  struct Initializer {
    std::string rest;
    std::optional<std::span<const uint8_t>> raw_data;
  };
  std::vector<Initializer> initializers;
  auto visit_tensor = [](Initializer& t) {
    return [&t](const WireField& f) {
      if (f.number == kTensorRawData && f.payload)
        t.raw_data = f.payload;
      else
        append(t.rest, f.encoded);
      return true;
    };
  };
  auto visit_graph = [&](const WireField& f) {
    if (f.number != kGraphInitializer || !f.payload) {
      append(graph_rest, f.encoded);
      return true;
    }
    initializers.emplace_back();
    return for_each_field(*f.payload, visit_tensor(initializers.back()));
  };
  auto visit_model = [&](const WireField& f) {
    if (f.number != kModelGraph || !f.payload) {
      append(model_rest, f.encoded);
      return true;
    }
    has_graph = true;
    return for_each_field(*f.payload, visit_graph);
  };
  if (!for_each_field(std::span<const uint8_t>(data, size), visit_model)) return false;

  out.model.Clear();
  out.initializer_raw_data.clear();
  if (!out.model.ParseFromString(model_rest)) return false;
  if (!has_graph) return true;  // no initializers either: they live in the graph
  onnx::GraphProto* graph = out.model.mutable_graph();
  if (!graph->ParseFromString(graph_rest)) return false;
  for (Initializer& t : initializers) {
    if (!graph->add_initializer()->ParseFromString(t.rest)) return false;
    out.initializer_raw_data.push_back(t.raw_data);
  }
  return true;
}

}  // namespace qd::frontend
