// Model config (TOML): what the network expects (input/output names and shape), its preprocessing, where its
// data sets are and the class names. Example: configs/resnet18_cifar10.toml.
//
//   [model]       name (required), file = "<model path>", input_name = "input", input_shape = [N,3,H,W]
//   (required; N may be -1),
//                 output_name = "output", output_is_probability = false
//   [preprocess]  color = "RGB" | "BGR", mean = [3 numbers] (required), std = [3 numbers] (required),
//                 in the network's channel order (for "BGR", mean[0] is blue's),
//                 max_pixels = <int> (images with more pixels are refused before decoding; default 64 Mi),
//                 resize_short = <int> (short side to this length, aspect kept) or resize = n | [h, w],
//                 center_crop = n | [h, w] (at most the input size), interpolation = "bilinear" | "bicubic"
//                 | "nearest", backend = "pil" (torchvision's arithmetic, default) | "cv2" (mmcls's).
//                 Without resize/crop, an image of another size is stretched to the input size.
//   [dataset]     test = "<path>", calib = "<path>", num_classes, classes = ["name", ...]
//                 (a top-level `classes` array, written before the first table, is accepted too)
//                 or classes_file = "<one name per line>", data_prefix = "<folder>" (relative paths of list
//                 files / mmcls ann_files resolve against it), class_index = "<file>" (ImageFolder labels
//                 from "<folder name> [display name]" lines, e.g. ImageNet's val/<wnid>/; see dataset.h)
//
// Paths (model.file, dataset.test, dataset.calib, dataset.data_prefix, class_index, classes_file) are
// relative to the folder of the config file (so a config works from any working directory); absolute paths
// are kept as they are.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "core/shape.h"
#include "data/dataset.h"
#include "data/image.h"
#include "data/preprocess.h"

namespace qd {

struct ModelConfig {
  std::string path;  // the config file
  std::string name;
  std::string model_file;  // resolved against the config's folder; "" when not given
  std::string input_name = "input";
  Shape input_shape;  // [N, 3, H, W]
  std::string output_name = "output";
  bool output_is_probability = false;      // true when the network ends in Softmax
  Preprocess preprocess;                   // width/height taken from input_shape
  int64_t max_pixels = kDefaultMaxPixels;  // decode limit for input images (preprocess.max_pixels)
  std::string test_data;                   // resolved against the config's folder; "" when not given
  std::string calib_data;                  // same
  int num_classes = 0;                     // 0 = not given
  std::vector<std::string> classes;        // empty = not given
  DatasetOptions dataset_options;          // data_prefix, class_index (resolved against the config's folder)
};

// Reads a model config. Unknown keys are appended to `warnings` as "<file>: unknown key 'x.y'" (when
// warnings is not null); a missing required key, a wrong type or an invalid value throws "<file>...: ...".
ModelConfig load_model_config(const std::string& path, std::vector<std::string>* warnings = nullptr);

// ncnn's Mat::substract_mean_normalize values for this preprocessing: x = (pixel - mean) * norm, norm =
// 1/std.
struct NcnnMeanNorm {
  std::array<float, 3> mean;
  std::array<float, 3> norm;
  const char*
      pixel_type_from_rgb;  // ncnn::Mat::from_pixels type for RGB input: "PIXEL_RGB" or "PIXEL_RGB2BGR"
};
NcnnMeanNorm ncnn_mean_norm(const Preprocess& pre);

}  // namespace qd
