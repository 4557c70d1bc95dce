#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "data/deploy_config.h"
#include "data/model_config.h"
#include "data/test_files.h"
#include "data/user_error.h"

namespace qd {
namespace {

using test::error_of;
using test::TempDir;

const std::string kConfigs = test::kSourceDir + "/configs";

TEST(ModelConfig, ShippedResnet18) {
  std::vector<std::string> warnings;
  const ModelConfig c = load_model_config(kConfigs + "/resnet18_cifar10.toml", &warnings);
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  EXPECT_EQ(c.name, "resnet18_cifar10");
  EXPECT_EQ(c.input_name, "input");
  EXPECT_EQ(c.output_name, "output");
  EXPECT_EQ(c.input_shape, (Shape{1, 3, 32, 32}));
  EXPECT_TRUE(c.output_is_probability);
  EXPECT_FALSE(c.preprocess.bgr);
  EXPECT_FLOAT_EQ(c.preprocess.mean[0], 125.307f);
  EXPECT_FLOAT_EQ(c.preprocess.mean[2], 113.8575f);
  EXPECT_FLOAT_EQ(c.preprocess.std[1], 50.847f);
  EXPECT_EQ(c.preprocess.width, 32);
  EXPECT_EQ(c.preprocess.height, 32);
  EXPECT_EQ(c.num_classes, 10);
  ASSERT_EQ(c.classes.size(), 10u);
  EXPECT_EQ(c.classes[0], "airplane");
  // Paths resolve against configs/ and land on the shared data next to the checkout.
  EXPECT_TRUE(std::filesystem::equivalent(c.test_data, test::kSharedDir + "/cifar10/test")) << c.test_data;
  EXPECT_TRUE(std::filesystem::equivalent(c.calib_data, test::kSharedDir + "/cifar10/calib")) << c.calib_data;
  EXPECT_TRUE(std::filesystem::equivalent(c.model_file, test::kSharedDir + "/models/resnet18_cifar10.onnx"));
}

TEST(ModelConfig, ShippedResnet20) {
  std::vector<std::string> warnings;
  const ModelConfig c = load_model_config(kConfigs + "/resnet20_cifar10.toml", &warnings);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(c.name, "resnet20_cifar10");
  EXPECT_FALSE(c.output_is_probability);
  EXPECT_TRUE(std::filesystem::equivalent(c.model_file, test::kSharedDir + "/models/resnet20_cifar10.onnx"));
  EXPECT_FLOAT_EQ(c.preprocess.std[2], 51.255f);
}

constexpr const char* kMinimal =
    "[model]\nname = \"m\"\ninput_shape = [-1, 3, 8, 6]\n"
    "[preprocess]\ncolor = \"BGR\"\nmean = [1, 2, 3.5]\nstd = [2, 4, 8]\n";

TEST(ModelConfig, DefaultsRelativePathsAndUnknownKeys) {
  TempDir dir;
  test::write_bytes(dir / "cfg/m.toml", std::string(kMinimal) +
                                            "extra = 1\n[dataset]\ntest = \"data/t\"\ncalib = \"/abs/c\"\n"
                                            "colour = \"x\"\n[other]\nkey = true\n");
  std::vector<std::string> warnings;
  const ModelConfig c = load_model_config(dir / "cfg/m.toml", &warnings);
  EXPECT_EQ(c.input_name, "input");
  EXPECT_EQ(c.input_shape, (Shape{-1, 3, 8, 6}));
  EXPECT_TRUE(c.preprocess.bgr);
  EXPECT_FLOAT_EQ(c.preprocess.mean[2], 3.5f);
  EXPECT_EQ(c.preprocess.width, 6);
  EXPECT_EQ(c.preprocess.height, 8);
  EXPECT_EQ(c.test_data, dir / "cfg/data/t");
  EXPECT_EQ(c.calib_data, "/abs/c");
  EXPECT_EQ(c.num_classes, 0);
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_EQ(warnings[0], dir / "cfg/m.toml" + ": unknown key 'dataset.colour'");
  EXPECT_EQ(warnings[1], dir / "cfg/m.toml" + ": unknown key 'other.key'");
  EXPECT_EQ(warnings[2], dir / "cfg/m.toml" + ": unknown key 'preprocess.extra'");

  const NcnnMeanNorm mn = ncnn_mean_norm(c.preprocess);
  EXPECT_FLOAT_EQ(mn.mean[1], 2.f);
  EXPECT_FLOAT_EQ(mn.norm[0], 0.5f);
  EXPECT_FLOAT_EQ(mn.norm[2], 0.125f);
  EXPECT_STREQ(mn.pixel_type_from_rgb, "PIXEL_RGB2BGR");
}

TEST(ModelConfig, Errors) {
  TempDir dir;
  auto load = [&](const std::string& text) {
    test::write_bytes(dir / "bad.toml", text);
    return error_of([&] { load_model_config(dir / "bad.toml"); });
  };
  const std::string file = dir / "bad.toml";
  EXPECT_EQ(error_of([&] { load_model_config(dir / "none.toml"); }),
            dir / "none.toml" + ": config file not found");
  EXPECT_EQ(load("[model]\ninput_shape = [1,3,2,2]\n"), file + ": missing required key 'model.name'");
  EXPECT_EQ(load("[model]\nname = 5\n"), file + ":2: key 'model.name' must be a string, not an integer");
  std::string msg = load(std::string(kMinimal) + "[dataset]\nnum_classes = \"ten\"\n");
  EXPECT_EQ(msg, file + ":9: key 'dataset.num_classes' must be an integer, not a string");
  msg = load("[model]\nname = \"m\"\ninput_shape = [1, 3, 8]\n");
  EXPECT_NE(msg.find("key 'model.input_shape' must be [N, 3, H, W]"), std::string::npos) << msg;
  msg =
      load("[model]\nname = \"m\"\ninput_shape = [1, 3, 8, 8]\n[preprocess]\nmean = [1, 2]\nstd = [1,1,1]\n");
  EXPECT_NE(msg.find("'preprocess.mean' must have 3 values"), std::string::npos) << msg;
  msg = load(
      "[model]\nname = \"m\"\ninput_shape = [1, 3, 8, 8]\n[preprocess]\nmean = [1, 2, \"x\"]\nstd = "
      "[1,1,1]\n");
  EXPECT_NE(msg.find("'preprocess.mean' must be an array of numbers, but has a string"), std::string::npos)
      << msg;
  msg = load(std::string(kMinimal) + "[dataset]\nnum_classes = 3\nclasses = [\"a\", \"b\"]\n");
  EXPECT_NE(msg.find("is 3 but 2 class names are given"), std::string::npos) << msg;
  msg = load(std::string(kMinimal).replace(std::string(kMinimal).find("BGR"), 3, "YUV"));
  EXPECT_NE(msg.find("'preprocess.color' must be \"RGB\" or \"BGR\""), std::string::npos) << msg;
  msg = load("[model\nname = \"m\"\n");
  EXPECT_NE(msg.find(file + ":1:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("TOML syntax error"), std::string::npos) << msg;
}

TEST(ModelConfig, ResizeAndCrop) {
  TempDir dir;
  const std::string base =
      "[model]\nname = \"m\"\ninput_shape = [1, 3, 224, 224]\n[preprocess]\n"
      "mean = [0, 0, 0]\nstd = [1, 1, 1]\n";
  test::write_bytes(dir / "a.toml", base + "resize_short = 256\ncenter_crop = 224\nbackend = \"cv2\"\n");
  Preprocess p = load_model_config(dir / "a.toml").preprocess;
  EXPECT_EQ(p.resize_short, 256);
  EXPECT_EQ(p.resize_width, 0);
  EXPECT_EQ(p.crop_width, 224);
  EXPECT_EQ(p.crop_height, 224);
  EXPECT_EQ(p.backend, ResizeBackend::cv2);
  EXPECT_EQ(p.interpolation, Interpolation::bilinear);
  test::write_bytes(dir / "b.toml", base +
                                        "resize = [300, 256]\ncenter_crop = [224, 200]\n"
                                        "interpolation = \"bicubic\"\n");
  p = load_model_config(dir / "b.toml").preprocess;
  EXPECT_EQ(p.resize_height, 300);
  EXPECT_EQ(p.resize_width, 256);
  EXPECT_EQ(p.crop_height, 224);
  EXPECT_EQ(p.crop_width, 200);
  EXPECT_EQ(p.backend, ResizeBackend::pil);
  EXPECT_EQ(p.interpolation, Interpolation::bicubic);
  // The CIFAR configs set none of these: no resize, no crop.
  p = load_model_config(kConfigs + "/resnet18_cifar10.toml").preprocess;
  EXPECT_FALSE(p.resizes_or_crops());

  auto load = [&](const std::string& extra) {
    test::write_bytes(dir / "bad.toml", base + extra);
    return error_of([&] { load_model_config(dir / "bad.toml"); });
  };
  std::string msg = load("resize_short = 256\nresize = 256\n");
  EXPECT_NE(msg.find("'preprocess.resize' and preprocess.resize_short are both given"), std::string::npos)
      << msg;
  msg = load("center_crop = 256\n");
  EXPECT_NE(msg.find("'preprocess.center_crop' (256x256) is larger than the model input (224x224)"),
            std::string::npos)
      << msg;
  msg = load("resize = [1, 2, 3]\n");
  EXPECT_NE(msg.find("must be a number or [height, width]"), std::string::npos) << msg;
  msg = load("interpolation = \"area\"\n");
  EXPECT_NE(msg.find("'preprocess.interpolation' must be \"bilinear\""), std::string::npos) << msg;
  msg = load("backend = \"skimage\"\n");
  EXPECT_NE(msg.find("'preprocess.backend' must be \"pil\""), std::string::npos) << msg;
  msg = load("backend = \"cv2\"\ninterpolation = \"bicubic\"\n");
  EXPECT_NE(msg.find("is not reproduced for backend \"cv2\""), std::string::npos) << msg;
}

TEST(ModelConfig, ShippedImageNetConfigs) {
  for (const char* name : {"torchvision_resize256_crop224.toml", "mmcls_resnet50_cv2.toml"}) {
    std::vector<std::string> warnings;
    const ModelConfig c = load_model_config(kConfigs + "/imagenet/" + name, &warnings);
    EXPECT_TRUE(warnings.empty()) << warnings.front();
    EXPECT_EQ(c.num_classes, 1000) << name;
    ASSERT_EQ(c.classes.size(), 1000u) << name;
    EXPECT_EQ(c.classes[0], "tench");
    EXPECT_EQ(c.classes[999], "toilet tissue");
    EXPECT_EQ(c.preprocess.resize_short, 256);
    EXPECT_EQ(c.preprocess.crop_width, 224);
    EXPECT_EQ(c.preprocess.backend,
              std::string(name).find("cv2") != std::string::npos ? ResizeBackend::cv2 : ResizeBackend::pil);
  }
}

TEST(ModelConfig, ImageNetDatasetKeys) {
  TempDir dir;
  test::write_bytes(dir / "cfg/names.txt", "tench\ngoldfish\n");
  test::write_bytes(dir / "cfg/m.toml", std::string(kMinimal) +
                                            "[dataset]\ntest = \"meta/val.txt\"\ndata_prefix = \"data/val\"\n"
                                            "class_index = \"synsets.txt\"\nclasses_file = \"names.txt\"\n");
  std::vector<std::string> warnings;
  const ModelConfig c = load_model_config(dir / "cfg/m.toml", &warnings);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(c.classes, (std::vector<std::string>{"tench", "goldfish"}));
  EXPECT_EQ(c.num_classes, 2);
  EXPECT_EQ(c.dataset_options.data_prefix, dir / "cfg/data/val");
  EXPECT_EQ(c.dataset_options.class_index, dir / "cfg/synsets.txt");
  test::write_bytes(dir / "cfg/bad.toml",
                    std::string(kMinimal) + "[dataset]\nclasses = [\"a\"]\nclasses_file = \"names.txt\"\n");
  const std::string msg = error_of([&] { load_model_config(dir / "cfg/bad.toml"); });
  EXPECT_NE(msg.find("'dataset.classes_file' and classes are both given"), std::string::npos) << msg;
}

TEST(ModelConfig, TopLevelClasses) {
  TempDir dir;
  test::write_bytes(dir / "m.toml", "classes = [\"x\", \"y\"]\n" + std::string(kMinimal));
  std::vector<std::string> warnings;
  const ModelConfig c = load_model_config(dir / "m.toml", &warnings);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(c.classes, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(c.num_classes, 2);
}

TEST(DeployConfig, ShippedConfigs) {
  std::vector<std::string> warnings;
  const DeployConfig fp32 =
      load_deploy_config(kConfigs + "/deploy/classification_ncnn_static.toml", &warnings);
  EXPECT_EQ(fp32.target, DeployTarget::ncnn);
  EXPECT_FALSE(fp32.quantize.enabled);
  EXPECT_EQ(fp32.test.batch, 1);
  const DeployConfig int8 =
      load_deploy_config(kConfigs + "/deploy/classification_ncnn-int8_static.toml", &warnings);
  EXPECT_TRUE(warnings.empty());
  EXPECT_TRUE(int8.quantize.enabled);
  EXPECT_EQ(int8.quantize.method, RangeMethod::kl);
  EXPECT_EQ(int8.quantize.calib_num, 1000);
  EXPECT_DOUBLE_EQ(int8.quantize.percentile, 99.99);
  EXPECT_TRUE(int8.quantize.passes.empty());
}

TEST(DeployConfig, DefaultsWarningsAndErrors) {
  TempDir dir;
  test::write_bytes(dir / "d.toml",
                    "[quantize]\nmethod = \"percentile\"\npasses = [\"a\", \"b\"]\nbits = 8\n");
  std::vector<std::string> warnings;
  const DeployConfig c = load_deploy_config(dir / "d.toml", &warnings);
  EXPECT_EQ(c.target, DeployTarget::ncnn);
  EXPECT_FALSE(c.quantize.enabled);
  EXPECT_EQ(c.quantize.method, RangeMethod::percentile);
  EXPECT_EQ(c.quantize.passes, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.test.threads, 0);
  EXPECT_EQ(warnings, (std::vector<std::string>{dir / "d.toml" + ": unknown key 'quantize.bits'"}));

  auto load = [&](const std::string& text) {
    test::write_bytes(dir / "bad.toml", text);
    return error_of([&] { load_deploy_config(dir / "bad.toml"); });
  };
  EXPECT_NE(load("[backend]\ntype = \"tensorrt\"\n")
                .find("must be \"ncnn\", \"qdeploy\" or \"onnxruntime\", not \"tensorrt\""),
            std::string::npos);
  EXPECT_NE(load("[quantize]\nenabled = \"yes\"\n").find("'quantize.enabled' must be a boolean"),
            std::string::npos);
  EXPECT_NE(load("[quantize]\ncalib_num = 0\n").find("'quantize.calib_num' must be between 1"),
            std::string::npos);
  EXPECT_NE(load("[quantize]\npercentile = 120\n").find("must be in (0, 100]"), std::string::npos);
  EXPECT_NE(load("[test]\nbatch = 1.5\n").find("'test.batch' must be an integer, not a number"),
            std::string::npos);
}

}  // namespace
}  // namespace qd
