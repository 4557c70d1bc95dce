// Bad and unsupported input: every case must fail with one qd::Error of the right kind naming the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "import_helpers.h"

namespace qd::test {
namespace {

// Runs `f`, expects a qd::Error of `kind`; returns its message.
template <typename F>
std::string error_of(F f, ErrorKind kind) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// x[1,2] -> Relu -> y, the smallest valid model.
OnnxBuilder tiny(int opset = 13) {
  OnnxBuilder b(opset);
  b.input("x", {1, 2}).output("y");
  b.node("Relu", {"x"}, {"y"});
  return b;
}

TEST(OnnxErrors, UnsupportedOpsListedInOneError) {
  OnnxBuilder b(13);
  b.input("x", {1, 4}).output("y").output("z").init_i64("k", {1}, {2});
  b.node("Relu", {"x"}, {"r"});
  b.node("TopK", {"r", "k"}, {"vals", "idx"}, "/topk");
  b.node("TopK", {"vals", "k"}, {"vals2", "idx2"}, "/topk2");  // same type again: listed once
  b.node("NonMaxSuppression", {"r", "r"}, {"sel"}, "/nms");
  b.node("Relu", {"vals2"}, {"y"}, "/after_topk");  // reads an unsupported node's output: not listed
  b.node("Add", {"sel", "r"}, {"z"});
  std::string msg = error_of([&] { import_built(b, "model.onnx"); }, ErrorKind::unsupported);
  EXPECT_EQ(msg, "model.onnx: unsupported ONNX ops: NonMaxSuppression (node '/nms'), TopK (node '/topk')");
}

TEST(OnnxErrors, CustomDomainOpIsUnsupported) {
  OnnxBuilder b = tiny();
  auto& n = b.node("FusedConv", {"x"}, {"f"}, "/fused");
  n.set_domain("com.microsoft");
  b.output("f");
  std::string msg = error_of([&] { import_built(b, "m.onnx"); }, ErrorKind::unsupported);
  EXPECT_EQ(msg, "m.onnx: unsupported ONNX ops: com.microsoft.FusedConv (node '/fused')");
}

TEST(OnnxErrors, OpsetOutsideRange) {
  for (int opset : {9, 21}) {
    std::string msg = error_of([&] { import_built(tiny(opset), "m.onnx"); }, ErrorKind::unsupported);
    EXPECT_TRUE(contains(msg, "m.onnx: ONNX opset " + std::to_string(opset) + " is not supported")) << msg;
  }
  for (int opset : {11, 20}) EXPECT_NO_THROW(import_built(tiny(opset)));
}

TEST(OnnxErrors, NotProtobufAndMissingFile) {
  std::string dir = scratch_dir("errors");
  std::string text = dir + "/text.onnx";
  std::ofstream(text) << "this is not an onnx model\n";
  std::string msg = error_of([&] { frontend::import_onnx(text); }, ErrorKind::user);
  EXPECT_TRUE(contains(msg, text + ": ")) << msg;
  std::string empty = dir + "/empty.onnx";
  std::ofstream(empty).close();
  EXPECT_TRUE(
      contains(error_of([&] { frontend::import_onnx(empty); }, ErrorKind::user), empty + ": file is empty"));
  EXPECT_EQ(error_of([&] { frontend::import_onnx(dir); }, ErrorKind::user),
            dir + ": is a directory, not an ONNX file");
  std::string missing = dir + "/missing.onnx";
  EXPECT_TRUE(contains(error_of([&] { frontend::import_onnx(missing); }, ErrorKind::user),
                       missing + ": cannot open file"));
}

TEST(OnnxErrors, TruncatedFile) {
  OnnxBuilder b(13);
  b.input("x", {1, 3, 8, 8}).output("y").init_f32("w", {8, 3, 3, 3}, std::vector<float>(216, 0.5f));
  b.node("Conv", {"x", "w"}, {"y"});
  std::string bytes = b.bytes();
  std::string dir = scratch_dir("trunc");
  for (size_t keep : {bytes.size() / 2, bytes.size() - 3, size_t{40}}) {
    std::string path = dir + "/t" + std::to_string(keep) + ".onnx";
    std::ofstream(path, std::ios::binary) << bytes.substr(0, keep);
    std::string msg = error_of([&] { frontend::import_onnx(path); }, ErrorKind::user);
    EXPECT_TRUE(contains(msg, path + ": ")) << msg;
  }
}

TEST(OnnxErrors, MissingInputValue) {
  OnnxBuilder b = tiny();
  b.node("Add", {"y", "ghost"}, {"z"}, "/add");
  b.output("z");
  EXPECT_EQ(
      error_of([&] { import_built(b, "m.onnx"); }, ErrorKind::user),
      "m.onnx: node '/add' (Add) reads 'ghost', which is not a graph input, initializer or node output");
}

TEST(OnnxErrors, InitializerSizeDisagreesWithDims) {
  {
    OnnxBuilder b = tiny();
    b.init_f32("w", {2, 3}, {1, 2, 3, 4, 5});  // raw_data: 20 bytes, dims need 24
    EXPECT_EQ(error_of([&] { import_built(b, "m.onnx"); }, ErrorKind::user),
              "m.onnx: tensor 'w' has 20 bytes of data but its dims 2x3 need 24");
  }
  {
    OnnxBuilder b = tiny();
    b.init(make_f32("w", {4}, {1, 2, 3}, /*raw=*/false));
    EXPECT_EQ(error_of([&] { import_built(b, "m.onnx"); }, ErrorKind::user),
              "m.onnx: tensor 'w' holds 3 values but its dims 4 need 4");
  }
}

TEST(OnnxErrors, AbsurdAndZeroSizeDims) {
  {
    OnnxBuilder b = tiny();
    b.init(make_f32("huge", {65536, 65536}, {}, false));
    std::string msg = error_of([&] { import_built(b, "m.onnx"); }, ErrorKind::user);
    EXPECT_TRUE(contains(msg, "m.onnx: tensor 'huge' has absurd dimensions 65536x65536")) << msg;
  }
  {
    OnnxBuilder b = tiny();
    b.init(make_f32("empty", {3, 0}, {}, false));
    std::string msg = error_of([&] { import_built(b, "m.onnx"); }, ErrorKind::user);
    EXPECT_TRUE(contains(msg, "m.onnx: tensor 'empty' has a zero-size dimension")) << msg;
  }
  {
    OnnxBuilder b(13);
    b.input("x", {1, 0, 4}).output("y");
    b.node("Relu", {"x"}, {"y"});
    std::string msg = error_of([&] { import_built(b, "m.onnx"); }, ErrorKind::user);
    EXPECT_TRUE(contains(msg, "m.onnx: input 'x' has a zero-size dimension")) << msg;
  }
}

TEST(OnnxErrors, Cycle) {
  OnnxBuilder b(13);
  b.input("x", {1, 2}).output("y");
  b.node("Add", {"x", "b"}, {"a"}, "/a");
  b.node("Relu", {"a"}, {"b"}, "/b");
  b.node("Relu", {"b"}, {"y"}, "/y");
  std::string msg = error_of([&] { import_built(b, "m.onnx"); }, ErrorKind::user);
  EXPECT_TRUE(contains(msg, "m.onnx: graph has a cycle through node '/")) << msg;
}

TEST(OnnxErrors, ValueProducedTwice) {
  OnnxBuilder b = tiny();
  b.node("Sigmoid", {"x"}, {"y"}, "/again");
  EXPECT_EQ(error_of([&] { import_built(b, "m.onnx"); }, ErrorKind::user),
            "m.onnx: value 'y' is produced twice (again by node '/again')");
}

TEST(OnnxErrors, ShapeMismatchNamesFileAndNode) {
  OnnxBuilder b(13);
  b.input("x", {1, 3, 8, 8}).output("y").init_f32("w", {4, 2, 3, 3}, std::vector<float>(72, 1.f));
  b.node("Conv", {"x", "w"}, {"y"}, "/conv");
  std::string msg = error_of([&] { import_built(b, "m.onnx"); }, ErrorKind::user);
  EXPECT_TRUE(contains(msg, "m.onnx: node '/conv' (Conv): input has 3 channels")) << msg;
}

TEST(OnnxExternalData, LoadedFromFileNextToModel) {
  std::string dir = scratch_dir("external");
  std::vector<float> w{1.f, -2.f, 3.f, -4.f};
  {
    std::ofstream f(dir + "/weights.bin", std::ios::binary);
    float pad = 0.f;
    f.write(reinterpret_cast<const char*>(&pad), sizeof pad);  // data starts at offset 4
    f.write(reinterpret_cast<const char*>(w.data()), 16);
  }
  auto build = [&](const std::string& location) {
    OnnxBuilder b(13);
    b.input("x", {1, 4}).output("y");
    onnx::TensorProto t;
    t.set_name("w");
    t.set_data_type(onnx::TensorProto::FLOAT);
    t.add_dims(4);
    t.set_data_location(onnx::TensorProto::EXTERNAL);
    auto kv = [&](const std::string& k, const std::string& v) {
      auto* e = t.add_external_data();
      e->set_key(k);
      e->set_value(v);
    };
    kv("location", location);
    kv("offset", "4");
    kv("length", "16");
    b.init(t);
    b.node("Mul", {"x", "w"}, {"y"});
    return b;
  };
  build("weights.bin").save(dir + "/ok.onnx");
  ir::Model m = frontend::import_onnx(dir + "/ok.onnx");
  EXPECT_EQ(floats(value_named(m.graph, "w").constant), w);

  build("nowhere.bin").save(dir + "/bad.onnx");
  std::string msg = error_of([&] { frontend::import_onnx(dir + "/bad.onnx"); }, ErrorKind::user);
  EXPECT_TRUE(contains(msg, dir + "/bad.onnx: tensor 'w': external data file 'nowhere.bin' not found"))
      << msg;
}

TEST(OnnxInitializers, TypedAndRawIntegerTypes) {
  OnnxBuilder b(13);
  b.input("x", {1, 3}).output("y");
  onnx::TensorProto i8;
  i8.set_name("i8");
  i8.set_data_type(onnx::TensorProto::INT8);
  i8.add_dims(3);
  for (int v : {-3, 0, 7}) i8.add_int32_data(v);
  b.init(i8);
  onnx::TensorProto u8;
  u8.set_name("u8");
  u8.set_data_type(onnx::TensorProto::UINT8);
  u8.add_dims(3);
  u8.set_raw_data(std::string("\x01\x02\xff", 3));
  b.init(u8);
  onnx::TensorProto i32;
  i32.set_name("i32");
  i32.set_data_type(onnx::TensorProto::INT32);
  i32.add_dims(2);
  for (int v : {5, -6}) i32.add_int32_data(v);
  b.init(i32);
  b.init(make_i64("i64raw", {2}, {1, -1}, /*raw=*/true));
  b.node("Relu", {"x"}, {"y"});
  ir::Model m = import_built(b);
  const Tensor& t8 = value_named(m.graph, "i8").constant;
  EXPECT_EQ(t8.dtype(), DataType::i8);
  EXPECT_EQ(floats(t8), (std::vector<float>{-3, 0, 7}));
  EXPECT_EQ(floats(value_named(m.graph, "u8").constant), (std::vector<float>{1, 2, 255}));
  EXPECT_EQ(value_named(m.graph, "i32").constant.dtype(), DataType::i32);
  EXPECT_EQ(floats(value_named(m.graph, "i32").constant), (std::vector<float>{5, -6}));
  EXPECT_EQ(floats(value_named(m.graph, "i64raw").constant), (std::vector<float>{1, -1}));
}

TEST(OnnxInitializers, GraphInputThatIsAlsoInitializerIsConstant) {
  OnnxBuilder b(13);
  b.input("x", {1, 2}).input("w", {2}).output("y").init_f32("w", {2}, {3.f, 4.f});
  b.node("Mul", {"x", "w"}, {"y"});
  ir::Model m = import_built(b);
  ASSERT_EQ(m.graph.inputs().size(), 1u);
  EXPECT_EQ(m.graph.value(m.graph.inputs()[0]).name, "x");
  EXPECT_TRUE(value_named(m.graph, "w").is_constant());
}

}  // namespace
}  // namespace qd::test
