// Writes the small generated seed inputs of the fuzz corpora (fuzz/run.sh adds copies of ../shared files):
//   <out>/onnx_import/   tiny ONNX models covering the common op translators
//   <out>/ncnn_param/    a hand-written .param with the layer types the reader knows
//   <out>/image_decode/  8x8 PNG (gray, gray+alpha, RGB, RGBA), BMP and JPEG images
// Usage: fuzz_make_seeds <out_dir>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace {

namespace fs = std::filesystem;

void save(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

onnx::TensorProto f32(const std::string& name, const std::vector<int64_t>& dims) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  int64_t n = 1;
  for (int64_t d : dims) t.add_dims(d), n *= d;
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = 0.1f * std::sin(0.37f * static_cast<float>(i));
  t.set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4));
  return t;
}

onnx::TensorProto i64(const std::string& name, const std::vector<int64_t>& v) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::INT64);
  t.add_dims(static_cast<int64_t>(v.size()));
  for (int64_t x : v) t.add_int64_data(x);
  return t;
}

struct Model {
  onnx::ModelProto m;
  Model(const std::vector<int64_t>& in_dims) {
    m.set_ir_version(8);
    auto* o = m.add_opset_import();
    o->set_version(13);
    auto* vi = m.mutable_graph()->add_input();
    vi->set_name("input");
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : in_dims) {
      auto* dim = tt->mutable_shape()->add_dim();
      if (d < 0)
        dim->set_dim_param("N");
      else
        dim->set_dim_value(d);
    }
  }
  onnx::NodeProto& node(const std::string& op, std::vector<std::string> in, std::vector<std::string> out) {
    auto* n = m.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(out[0]);
    for (auto& s : in) n->add_input(s);
    for (auto& s : out) n->add_output(s);
    return *n;
  }
  void init(const onnx::TensorProto& t) { *m.mutable_graph()->add_initializer() = t; }
  void output(const std::string& name) { m.mutable_graph()->add_output()->set_name(name); }
};

void ints(onnx::NodeProto& n, const std::string& name, std::vector<int64_t> v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (auto x : v) a->add_ints(x);
}
void one_int(onnx::NodeProto& n, const std::string& name, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

// Conv -> BN -> Relu -> MaxPool -> residual Conv + Add -> GlobalAveragePool -> Flatten -> Gemm -> Softmax.
std::string residual_model() {
  Model m({-1, 3, 8, 8});
  m.init(f32("w0", {4, 3, 3, 3}));
  m.init(f32("b0", {4}));
  for (const char* p : {"bn.s", "bn.b", "bn.m"}) m.init(f32(p, {4}));
  onnx::TensorProto var = f32("bn.v", {4});
  std::vector<float> ones(4, 1.f);
  var.set_raw_data(std::string(reinterpret_cast<const char*>(ones.data()), 16));
  m.init(var);
  m.init(f32("w1", {4, 4, 3, 3}));
  m.init(f32("fc.w", {10, 4}));
  m.init(f32("fc.b", {10}));
  auto& c0 = m.node("Conv", {"input", "w0", "b0"}, {"c0"});
  ints(c0, "pads", {1, 1, 1, 1});
  m.node("BatchNormalization", {"c0", "bn.s", "bn.b", "bn.m", "bn.v"}, {"bn"});
  m.node("Relu", {"bn"}, {"r0"});
  auto& mp = m.node("MaxPool", {"r0"}, {"mp"});
  ints(mp, "kernel_shape", {2, 2});
  ints(mp, "strides", {2, 2});
  auto& c1 = m.node("Conv", {"mp", "w1"}, {"c1"});
  ints(c1, "pads", {1, 1, 1, 1});
  m.node("Add", {"c1", "mp"}, {"sum"});
  m.node("GlobalAveragePool", {"sum"}, {"gap"});
  m.node("Flatten", {"gap"}, {"flat"});
  auto& fc = m.node("Gemm", {"flat", "fc.w", "fc.b"}, {"logits"});
  one_int(fc, "transB", 1);
  m.node("Softmax", {"logits"}, {"output"});
  m.output("output");
  return m.m.SerializeAsString();
}

// Shape arithmetic the PyTorch exporter emits: Shape/Gather/Unsqueeze/Concat/Reshape, plus Transpose,
// Pad, AveragePool, Clip, MatMul.
std::string reshape_model() {
  Model m({1, 3, 8, 8});
  m.init(i64("idx0", {0}));
  m.init(i64("minus1", {-1}));
  m.init(i64("pads", {0, 0, 1, 1, 0, 0, 1, 1}));
  m.init(f32("mm.w", {48, 5}));
  m.node("Pad", {"input", "pads"}, {"padded"});
  auto& ap = m.node("AveragePool", {"padded"}, {"pooled"});
  ints(ap, "kernel_shape", {3, 3});
  ints(ap, "strides", {2, 2});
  auto& tr = m.node("Transpose", {"pooled"}, {"t"});
  ints(tr, "perm", {0, 2, 3, 1});
  m.node("Clip", {"t"}, {"clipped"});
  m.node("Shape", {"clipped"}, {"shape"});
  auto& g = m.node("Gather", {"shape", "idx0"}, {"batch"});
  one_int(g, "axis", 0);
  auto& cat = m.node("Concat", {"batch", "minus1"}, {"newshape"});
  one_int(cat, "axis", 0);
  m.node("Reshape", {"clipped", "newshape"}, {"flat"});
  m.node("MatMul", {"flat", "mm.w"}, {"output"});
  m.output("output");
  return m.m.SerializeAsString();
}

const char* kParam = R"(7767517
11 12
Input            input            0 1 data 0=8 1=8 2=3
Convolution      conv0            1 1 data c0 0=4 1=3 4=1 5=1 6=108 9=1
Split            split0           1 2 c0 c0a c0b
ConvolutionDepthWise dw0          1 1 c0a dw 0=4 1=3 4=1 5=1 6=36 7=4 9=2 -23310=1,0.1
Eltwise          add0             2 1 dw c0b sum 0=1
Pooling          pool0            1 1 sum p0 0=0 1=2 2=2
ReLU             relu0            1 1 p0 r0 0=0.1
Pooling          gap              1 1 r0 g0 0=1 4=1
Flatten          flat             1 1 g0 f0
InnerProduct     fc               1 1 f0 fc 0=10 1=1 2=40
Softmax          prob             1 1 fc output
)";

std::vector<uint8_t> pixels(int w, int h, int comp) {
  std::vector<uint8_t> p(static_cast<size_t>(w) * h * comp);
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<uint8_t>((i * 53) % 256);
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const fs::path out = argv[1];
  for (const char* d : {"onnx_import", "ncnn_param", "image_decode"}) fs::create_directories(out / d);
  save((out / "onnx_import/residual.onnx").string(), residual_model());
  save((out / "onnx_import/reshape.onnx").string(), reshape_model());
  save((out / "ncnn_param/layers.param").string(), kParam);
  const std::string img = (out / "image_decode").string();
  for (int comp = 1; comp <= 4; ++comp)
    stbi_write_png((img + "/c" + std::to_string(comp) + ".png").c_str(), 8, 8, comp,
                   pixels(8, 8, comp).data(), 8 * comp);
  stbi_write_bmp((img + "/rgb.bmp").c_str(), 8, 8, 3, pixels(8, 8, 3).data());
  stbi_write_jpg((img + "/rgb.jpg").c_str(), 16, 16, 3, pixels(16, 16, 3).data(), 90);
  stbi_write_jpg((img + "/gray.jpg").c_str(), 16, 16, 1, pixels(16, 16, 1).data(), 90);
  return 0;
}
