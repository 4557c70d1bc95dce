#include "frontend/onnx/onnx_wire_reader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>
#include <string>

namespace qd::frontend {
namespace {

const uint8_t* bytes_of(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// The parse with raw_data put back where protobuf keeps it, serialized (protobuf writes fields in number
// order, so equal messages give equal bytes).
std::string reassembled(const OnnxWithoutRawData& p) {
  onnx::ModelProto m = p.model;
  if (m.has_graph())
    for (int i = 0; i < m.graph().initializer_size(); ++i) {
      EXPECT_FALSE(m.graph().initializer(i).has_raw_data()) << i;
      if (const auto& raw = p.initializer_raw_data.at(size_t(i)))
        m.mutable_graph()->mutable_initializer(i)->set_raw_data(raw->data(), raw->size());
    }
  return m.SerializeAsString();
}

// Our parse agrees with protobuf's own on `bytes`: both fail, or both succeed with equal messages.
void expect_same_as_protobuf(const std::string& bytes, const std::string& what) {
  onnx::ModelProto reference;
  const bool ok = reference.ParseFromString(bytes);
  OnnxWithoutRawData ours;
  ASSERT_EQ(parse_onnx_without_raw_data(bytes_of(bytes), bytes.size(), ours), ok) << what;
  if (ok) {
    ASSERT_EQ(reassembled(ours), reference.SerializeAsString()) << what;
  }
}

std::string length_delimited(uint32_t field, const std::string& payload) {
  std::string out;
  auto varint = [&out](uint64_t v) {
    for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>(v | 0x80));
    out.push_back(static_cast<char>(v));
  };
  varint(uint64_t{field} << 3 | 2);
  varint(payload.size());
  out.append(payload);
  return out;
}

onnx::TensorProto raw_tensor(const std::string& name, std::vector<float> values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.add_dims(static_cast<int64_t>(values.size()));
  t.set_raw_data(values.data(), values.size() * sizeof(float));
  return t;
}

// A small model with raw and typed initializers, a node and the fields around them.
onnx::ModelProto small_model() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("wire-reader-test");
  m.add_opset_import()->set_version(13);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("g");
  *g->add_initializer() = raw_tensor("w", {1.f, 2.f, 3.f, 4.f});
  onnx::TensorProto* typed = g->add_initializer();
  typed->set_name("b");
  typed->set_data_type(onnx::TensorProto::FLOAT);
  typed->add_dims(2);
  typed->add_float_data(0.5f);
  typed->add_float_data(-0.5f);
  *g->add_initializer() = raw_tensor("empty_raw", {});
  onnx::NodeProto* n = g->add_node();
  n->set_op_type(std::string("Add"));
  n->add_input(std::string("x"));
  n->add_input(std::string("w"));
  n->add_output(std::string("y"));
  g->add_input()->set_name("x");
  g->add_output()->set_name("y");
  return m;
}

TEST(OnnxWireReader, SharedModelsParseAsInProtobufWithRawDataLeftInPlace) {
  for (const char* name : {"resnet20_cifar10.onnx", "resnet18_cifar10.onnx"}) {
    const std::string path = std::string(QDEPLOY_SHARED_DIR) + "/models/" + name;
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << path;
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    OnnxWithoutRawData ours;
    ASSERT_TRUE(parse_onnx_without_raw_data(bytes_of(bytes), bytes.size(), ours)) << path;
    // The weights were not copied: every raw_data span points into the input bytes.
    int in_place = 0;
    for (const auto& raw : ours.initializer_raw_data)
      if (raw && raw->data() >= bytes_of(bytes) &&
          raw->data() + raw->size() <= bytes_of(bytes) + bytes.size())
        ++in_place;
    EXPECT_GT(in_place, 20) << path;
    EXPECT_EQ(static_cast<int>(ours.initializer_raw_data.size()), ours.model.graph().initializer_size());
    expect_same_as_protobuf(bytes, path);
  }
}

TEST(OnnxWireReader, RepeatedGraphAndRawDataFieldsMergeAsInProtobuf) {
  // Two graph fields (protobuf merges them: initializers and nodes concatenate, the last name wins) and an
  // initializer whose raw_data occurs twice (the last one wins).
  onnx::ModelProto first = small_model(), second;
  onnx::GraphProto* g2 = second.mutable_graph();
  g2->set_name("second");
  *g2->add_initializer() = raw_tensor("w2", {7.f});
  onnx::NodeProto* n = g2->add_node();
  n->set_op_type(std::string("Relu"));
  n->add_input(std::string("y"));
  n->add_output(std::string("z"));
  const std::string twice =
      raw_tensor("w3", {1.f}).SerializeAsString() + raw_tensor("w3", {9.f, 8.f}).SerializeAsString();
  const std::string bytes = first.SerializeAsString() + second.SerializeAsString() +
                            length_delimited(7, length_delimited(5, twice));
  expect_same_as_protobuf(bytes, "merged");
  OnnxWithoutRawData ours;
  ASSERT_TRUE(parse_onnx_without_raw_data(bytes_of(bytes), bytes.size(), ours));
  EXPECT_EQ(ours.model.graph().name(), "second");
  ASSERT_EQ(ours.model.graph().initializer_size(), 5);
  EXPECT_EQ(ours.model.graph().initializer(4).name(), "w3");
  EXPECT_EQ(ours.initializer_raw_data[4]->size(), 2 * sizeof(float));
  EXPECT_FALSE(ours.initializer_raw_data[1].has_value());  // typed float_data, no raw_data
  ASSERT_TRUE(ours.initializer_raw_data[2].has_value());   // raw_data present and empty
  EXPECT_EQ(ours.initializer_raw_data[2]->size(), 0u);
}

TEST(OnnxWireReader, TruncatedAndCorruptBytesAreRejectedWhereProtobufRejectsThem) {
  const std::string bytes = small_model().SerializeAsString();
  for (size_t n = 0; n <= bytes.size(); ++n)
    expect_same_as_protobuf(bytes.substr(0, n), "prefix " + std::to_string(n));
  std::mt19937 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bad = bytes;
    for (int k = 0; k < 1 + trial % 3; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
    expect_same_as_protobuf(bad, "corrupt trial " + std::to_string(trial));
  }
}

}  // namespace
}  // namespace qd::frontend
