// Error contract (docs/errors.md) for bad ONNX files: `qdeploy convert <bad.onnx> --work-dir out` must exit
// 1 (2 for an unsupported feature) with one "qdeploy: error: <file>: ..." line and write nothing.
#include <gtest/gtest.h>

#include <cstdlib>

#include "cli_errors/cli_harness.h"
#include "cli_errors/tiny_model.h"

namespace qd::test {
namespace {

class OnnxErrors : public ::testing::Test {
 protected:
  // Saves `model` as <name>.onnx, converts it, checks the contract and that the output folder stays empty.
  void expect_convert_error(const std::string& bytes, int code, const std::string& what,
                            const std::string& name) {
    const std::string path = dir / (name + ".onnx"), out = dir / (name + "_out");
    write_bytes(path, bytes);
    RunResult r = run_qdeploy({"convert", path, "--work-dir", out});
    EXPECT_TRUE(is_error(r, code, path, what));
    EXPECT_EQ(files_under(out), std::vector<std::string>{});
  }
  TempDir dir;
};

TEST_F(OnnxErrors, Truncated) {
  std::string bytes = tiny_onnx().bytes();
  expect_convert_error(bytes.substr(0, bytes.size() / 2), 1, "truncated", "truncated");
}

TEST_F(OnnxErrors, EmptyFile) { expect_convert_error("", 1, "empty", "empty"); }

TEST_F(OnnxErrors, NotProtobuf) {
  // A PNG signature and text: not a protobuf message (or one without an ONNX graph).
  expect_convert_error(std::string("\x89PNG\r\n\x1a\n", 8) + "this is not a model\n", 1, "ONNX", "png");
  expect_convert_error("ir_version: 8\ngraph { }\n", 1, "ONNX", "text");
}

TEST_F(OnnxErrors, Cycle) {
  OnnxBuilder b = tiny_onnx();
  // relu0 reads flat's output: relu0 -> gap -> flat -> relu0.
  b.graph().mutable_node(1)->set_input(0, "f0");
  expect_convert_error(b.bytes(), 1, "cycle", "cycle");
}

TEST_F(OnnxErrors, MissingInitializer) {
  OnnxBuilder b = tiny_onnx();
  b.graph().mutable_initializer()->DeleteSubrange(0, 1);  // conv0.w
  expect_convert_error(b.bytes(), 1,
                       "reads 'conv0.w', which is not a graph input, initializer or node output",
                       "missing_init");
}

TEST_F(OnnxErrors, InitializerSizeDisagreesWithShape) {
  OnnxBuilder b = tiny_onnx();
  b.graph().mutable_initializer(0)->set_dims(0, 15);  // 15x3x3x3 dims, 16x3x3x3 floats of data
  expect_convert_error(b.bytes(), 1, "tensor 'conv0.w' has 1728 bytes of data but its dims", "size_mismatch");
}

TEST_F(OnnxErrors, ZeroSizedDimension) {
  OnnxBuilder b = tiny_onnx();
  auto* t = b.graph().mutable_initializer(3);  // fc.b [10] -> [0]
  t->set_dims(0, 0);
  t->clear_raw_data();
  expect_convert_error(b.bytes(), 1, "tensor 'fc.b' has a zero-size dimension", "zero_init");
  OnnxBuilder in = tiny_onnx();
  in.graph()
      .mutable_input(0)
      ->mutable_type()
      ->mutable_tensor_type()
      ->mutable_shape()
      ->mutable_dim(2)
      ->set_dim_value(0);
  expect_convert_error(in.bytes(), 1, "input 'input' has a zero-size dimension", "zero_input");
}

TEST_F(OnnxErrors, AbsurdDimensions) {
  OnnxBuilder b = tiny_onnx();
  auto* t = b.graph().mutable_initializer(0);
  t->clear_dims();
  for (int64_t d : {65536, 65536, 3, 3}) t->add_dims(d);  // 2^32 * 9 elements, data is 1728 bytes
  expect_convert_error(b.bytes(), 1, "absurd dimensions", "absurd_init");
  OnnxBuilder in = tiny_onnx();
  auto* shape = in.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  shape->mutable_dim(2)->set_dim_value(1 << 20);
  shape->mutable_dim(3)->set_dim_value(1 << 20);
  expect_convert_error(in.bytes(), 1, "absurd dimensions", "absurd_input");
}

TEST_F(OnnxErrors, MissingExternalData) {
  OnnxBuilder b = tiny_onnx();
  auto* t = b.graph().mutable_initializer(0);
  t->clear_raw_data();
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* kv = t->add_external_data();
  kv->set_key("location");
  kv->set_value("tiny_weights.bin");
  expect_convert_error(b.bytes(), 1, "external data file 'tiny_weights.bin' not found", "external");
}

TEST_F(OnnxErrors, ExternalDataOutsideModelFolder) {
  for (const std::string& location : {std::string("/etc/hostname"), std::string("../tiny_weights.bin")}) {
    OnnxBuilder b = tiny_onnx();
    auto* t = b.graph().mutable_initializer(0);
    t->clear_raw_data();
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    auto* kv = t->add_external_data();
    kv->set_key("location");
    kv->set_value(location);
    expect_convert_error(b.bytes(), 1, "must be a path inside the model's folder", "escape");
  }
}

TEST_F(OnnxErrors, UnsupportedOpIsExitCode2) {
  OnnxBuilder b = tiny_onnx();
  b.graph().mutable_node(1)->set_op_type("FancyActivation");
  expect_convert_error(b.bytes(), 2, "unsupported ONNX ops: FancyActivation", "unsupported");
}

TEST_F(OnnxErrors, ModelOverMemoryLimitRefusedBeforeAllocation) {
  // 1x3x8192x8192 input: 0.75 GiB, the 16-channel conv output 4 GiB; with a 1 GiB budget the model is
  // refused from its declared shapes (nothing that big is allocated).
  OnnxBuilder b = tiny_onnx();
  auto* shape = b.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  shape->mutable_dim(2)->set_dim_value(8192);
  shape->mutable_dim(3)->set_dim_value(8192);
  ::setenv("QDEPLOY_MEMORY_LIMIT", "1G", 1);
  expect_convert_error(b.bytes(), 1, "more than the memory limit (1.0 GiB)", "big");
  ::unsetenv("QDEPLOY_MEMORY_LIMIT");
}

TEST_F(OnnxErrors, MissingFile) {
  const std::string path = dir / "nothing.onnx";
  RunResult r = run_qdeploy({"convert", path, "--work-dir", dir / "out"});
  EXPECT_TRUE(is_error(r, 1, path, "cannot open"));
}

}  // namespace
}  // namespace qd::test
