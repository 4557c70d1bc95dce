// Tiny helper to build ONNX models in tests with the protobuf API (no Python, no onnx checker).
#pragma once
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace qd::test {

// Attributes for NodeProto.
inline void set_attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void set_attr(onnx::NodeProto& n, const std::string& name, float v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
inline void set_attr(onnx::NodeProto& n, const std::string& name, const std::string& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}
inline void set_attr(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
inline void set_attr_floats(onnx::NodeProto& n, const std::string& name, const std::vector<float>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOATS);
  for (float x : v) a->add_floats(x);
}
inline void set_attr(onnx::NodeProto& n, const std::string& name, const onnx::TensorProto& t) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::TENSOR);
  *a->mutable_t() = t;
}

// Float tensor stored as raw_data (or float_data when raw is false).
inline onnx::TensorProto make_f32(const std::string& name, const std::vector<int64_t>& dims,
                                  const std::vector<float>& v, bool raw = true) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t.add_dims(d);
  if (raw)
    t.set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
  else
    for (float x : v) t.add_float_data(x);
  return t;
}

// int64 tensor stored in int64_data (or raw_data).
inline onnx::TensorProto make_i64(const std::string& name, const std::vector<int64_t>& dims,
                                  const std::vector<int64_t>& v, bool raw = false) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::INT64);
  for (int64_t d : dims) t.add_dims(d);
  if (raw)
    t.set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int64_t)));
  else
    for (int64_t x : v) t.add_int64_data(x);
  return t;
}

// Model under construction: ir_version 8, one default-domain opset.
class OnnxBuilder {
 public:
  explicit OnnxBuilder(int opset = 13) {
    model.set_ir_version(8);
    model.set_producer_name("qdeploy-test");
    auto* o = model.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    model.mutable_graph()->set_name("test");
  }

  onnx::GraphProto& graph() { return *model.mutable_graph(); }

  // Float graph input; a negative dim becomes a symbolic dim "N".
  OnnxBuilder& input(const std::string& name, const std::vector<int64_t>& dims) {
    auto* vi = graph().add_input();
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    auto* shape = tt->mutable_shape();
    for (int64_t d : dims) {
      auto* dim = shape->add_dim();
      if (d < 0)
        dim->set_dim_param("N");
      else
        dim->set_dim_value(d);
    }
    return *this;
  }
  OnnxBuilder& output(const std::string& name) {
    auto* vi = graph().add_output();
    vi->set_name(name);
    vi->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    return *this;
  }
  OnnxBuilder& init(const onnx::TensorProto& t) {
    *graph().add_initializer() = t;
    return *this;
  }
  OnnxBuilder& init_f32(const std::string& name, const std::vector<int64_t>& dims,
                        const std::vector<float>& v) {
    return init(make_f32(name, dims, v));
  }
  OnnxBuilder& init_i64(const std::string& name, const std::vector<int64_t>& dims,
                        const std::vector<int64_t>& v) {
    return init(make_i64(name, dims, v));
  }
  // Appends a node; the name defaults to the first output's name.
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "") {
    auto* n = graph().add_node();
    n->set_op_type(op);
    n->set_name(name.empty() && !outputs.empty() ? outputs[0] : name);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return *n;
  }
  std::string bytes() const { return model.SerializeAsString(); }
  void save(const std::string& path) const {
    std::ofstream f(path, std::ios::binary);
    f << bytes();
  }

  onnx::ModelProto model;
};

// Fresh scratch directory under the system temp dir (removed by the OS, not by tests).
inline std::string scratch_dir(const std::string& name) {
  std::string d = ::testing::TempDir() + "qd_onnx_" + name;
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace qd::test
