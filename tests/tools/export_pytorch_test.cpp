// tools/export_pytorch.py: random mmcls-layout checkpoints -> end2end.onnx -> our importer and runtime give
// PyTorch's own output (written by the script for a fixed input) within 1e-4. Skipped when python3 cannot
// import torch (install: scripts/setup.sh --with-torch).
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "frontend/onnx/onnx_importer.h"
#include "runtime/executor.h"

namespace qd {
namespace {

namespace fs = std::filesystem;

const std::string kScript = std::string(QDEPLOY_SOURCE_DIR) + "/tools/export_pytorch.py";

struct ProcessResult {
  int rc;
  std::string output;  // stdout + stderr
};

ProcessResult run(const std::string& cmd) {
  std::FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The interpreter that can import torch: `python3` on PATH, else Debian's (apt's python3-torch lives there
// when PATH's python3 is a pyenv/venv one). Empty when neither can.
const std::string& python() {
  static const std::string p = [] {
    for (std::string candidate : {"python3", "/usr/bin/python3"})
      if (run(candidate + " -c 'import torch'").rc == 0) return candidate;
    return std::string();
  }();
  return p;
}

// One tensor of the --dump-io file: int32 rank, int64 dims, float32 data.
Tensor read_tensor(std::ifstream& f) {
  int32_t rank = 0;
  f.read(reinterpret_cast<char*>(&rank), sizeof rank);
  Shape shape(static_cast<size_t>(rank));
  f.read(reinterpret_cast<char*>(shape.data()), static_cast<std::streamsize>(rank * sizeof(int64_t)));
  Tensor t(DataType::f32, shape);
  f.read(reinterpret_cast<char*>(t.data<float>()), static_cast<std::streamsize>(t.numel() * sizeof(float)));
  if (!f) throw std::runtime_error("truncated io file");
  return t;
}

class ExportPytorch : public ::testing::Test {
 protected:
  void SetUp() override {
    if (python().empty())
      GTEST_SKIP() << "python3 cannot import torch; install it with scripts/setup.sh --with-torch";
    dir_ = fs::temp_directory_path() / ("qd_export_pytorch_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Random weights saved as {'state_dict': ...} with mmcls keys.
  void make_checkpoint(const std::string& arch, const std::string& extra, const std::string& pth) {
    ProcessResult r =
        run(python() + " " + kScript + " --arch " + arch + " --random-init " + pth + " --seed 7 " + extra);
    ASSERT_EQ(r.rc, 0) << r.output;
  }

  // Loads the checkpoint (a separate run: the weights come from the file, not from memory), exports and
  // dumps PyTorch's output, then runs the ONNX file with our runtime and compares.
  void export_and_compare(const std::string& arch, const std::string& pth, const std::string& extra,
                          int64_t classes) {
    std::string onnx_path = path("end2end.onnx"), io = path("io.bin");
    ProcessResult r = run(python() + " " + kScript + " --arch " + arch + " --checkpoint " + pth + " --out " +
                          onnx_path + " --dump-io " + io + " " + extra);
    ASSERT_EQ(r.rc, 0) << r.output;

    // MMDeploy's interface: opset 11, one input `input`, one output `output` made by a Softmax.
    onnx::ModelProto proto;
    {
      std::ifstream f(onnx_path, std::ios::binary);
      ASSERT_TRUE(proto.ParseFromIstream(&f));
    }
    int64_t opset = -1;
    for (auto& o : proto.opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
    EXPECT_EQ(opset, 11);
    ASSERT_EQ(proto.graph().input_size(), 1);
    EXPECT_EQ(proto.graph().input(0).name(), "input");
    ASSERT_EQ(proto.graph().output_size(), 1);
    EXPECT_EQ(proto.graph().output(0).name(), "output");
    const auto& last = proto.graph().node(proto.graph().node_size() - 1);
    EXPECT_EQ(last.op_type(), "Softmax");
    EXPECT_EQ(last.output(0), "output");

    std::ifstream f(io, std::ios::binary);
    Tensor x = read_tensor(f), expected = read_tensor(f);
    ASSERT_EQ(expected.shape(), (Shape{1, classes}));

    ir::Model m = frontend::import_onnx(onnx_path);
    auto exec = runtime::compile(m, {});
    Tensor y = exec->run({x}).at(0);
    ASSERT_EQ(y.numel(), expected.numel());
    float max_diff = 0, sum = 0, max_p = 0;
    for (int64_t i = 0; i < y.numel(); ++i) {
      max_diff = std::max(max_diff, std::fabs(y.data<float>()[i] - expected.data<float>()[i]));
      sum += expected.data<float>()[i];
      max_p = std::max(max_p, expected.data<float>()[i]);
    }
    std::printf("%s: max |ours - PyTorch| = %.3g\n", arch.c_str(), max_diff);
    EXPECT_LE(max_diff, 1e-4f);
    // PyTorch's output really is a probability vector, neither uniform (what a broken net gives) nor one-hot.
    EXPECT_NEAR(sum, 1.f, 1e-4f);
    EXPECT_GT(max_p, 1.5f / static_cast<float>(classes));
    EXPECT_LT(max_p, 0.99f);  // not saturated to one-hot, which would hide errors in the logits
  }

  fs::path dir_;
};

TEST_F(ExportPytorch, ResNet18CifarCheckpointMatchesPyTorch) {
  std::string pth = path("resnet18_cifar.pth");
  make_checkpoint("resnet18_cifar", "--num-classes 10", pth);
  export_and_compare("resnet18_cifar", pth, "", 10);  // class count read from head.fc.weight
}

TEST_F(ExportPytorch, BareStateDictLoads) {
  std::string pth = path("wrapped.pth"), bare = path("bare.pth");
  make_checkpoint("resnet18_cifar", "--num-classes 10", pth);
  ProcessResult r = run(python() + " -c \"import torch; torch.save(torch.load('" + pth +
                        "')['state_dict'], '" + bare + "')\"");
  ASSERT_EQ(r.rc, 0) << r.output;
  export_and_compare("resnet18_cifar", bare, "", 10);
}

TEST_F(ExportPytorch, ResNet18ImageNetStemWithMaxPool) {
  std::string pth = path("resnet18.pth");
  make_checkpoint("resnet18", "--num-classes 7 --input-size 64", pth);
  export_and_compare("resnet18", pth, "--input-size 64", 7);
}

TEST_F(ExportPytorch, ResNet50CifarBottleneck) {
  std::string pth = path("resnet50_cifar.pth");
  make_checkpoint("resnet50_cifar", "--num-classes 10", pth);
  export_and_compare("resnet50_cifar", pth, "", 10);
}

TEST_F(ExportPytorch, CheckpointOfAnotherDepthIsRejected) {
  std::string pth = path("resnet18_cifar.pth");
  make_checkpoint("resnet18_cifar", "--num-classes 10", pth);
  ProcessResult r = run(python() + " " + kScript + " --arch resnet34_cifar --checkpoint " + pth + " --out " +
                        path("x.onnx"));
  EXPECT_EQ(r.rc, 1) << r.output;
  EXPECT_NE(r.output.find("does not match the architecture"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(path("x.onnx")));
}

TEST_F(ExportPytorch, UnknownArchitectureIsRejected) {
  ProcessResult r = run(python() + " " + kScript + " --arch vgg16 --random-init " + path("x.pth"));
  EXPECT_EQ(r.rc, 1) << r.output;
  EXPECT_NE(r.output.find("unknown architecture 'vgg16'"), std::string::npos) << r.output;
}

#ifdef QDEPLOY_BINARY
// `qdeploy deploy` with a .pth and --arch: stage 0 runs the script, the rest of the pipeline uses its ONNX.
TEST_F(ExportPytorch, DeployAcceptsCheckpointWithArch) {
  std::string pth = path("resnet18_cifar.pth"), wd = path("work");
  make_checkpoint("resnet18_cifar", "--num-classes 10", pth);
  const std::string src = QDEPLOY_SOURCE_DIR;
  std::string args = " " + src + "/configs/deploy/classification_ncnn_static.toml " + src +
                     "/configs/resnet18_cifar10.toml " + pth + " " + QDEPLOY_SHARED_DIR +
                     "/cifar10/test/airplane/0000.jpg --work-dir " + wd;

  ProcessResult no_arch = run(std::string(QDEPLOY_BINARY) + " deploy" + args);
  EXPECT_EQ(no_arch.rc, 1) << no_arch.output;
  EXPECT_NE(no_arch.output.find("needs --arch"), std::string::npos) << no_arch.output;

  ProcessResult r = run(std::string(QDEPLOY_BINARY) + " deploy" + args + " --arch resnet18_cifar");
  ASSERT_EQ(r.rc, 0) << r.output;
  EXPECT_TRUE(fs::is_regular_file(wd + "/pytorch/end2end.onnx"));
  EXPECT_TRUE(fs::is_regular_file(wd + "/end2end.param"));
  EXPECT_TRUE(fs::is_regular_file(wd + "/end2end.bin"));
  EXPECT_TRUE(fs::is_regular_file(wd + "/report.html"));
  std::ifstream f(wd + "/deploy.json");
  nlohmann::json d = nlohmann::json::parse(f);
  ASSERT_GE(d["stages"].size(), 2u);
  EXPECT_EQ(d["stages"][0]["stage"], "pytorch_export");
  EXPECT_EQ(d["stages"][0]["arch"], "resnet18_cifar");
  EXPECT_EQ(d["stages"][1]["stage"], "convert");
}
#endif

}  // namespace
}  // namespace qd
