#include "data/model_config.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "core/error.h"
#include "data/toml_reader.h"

namespace qd {
namespace {

std::array<float, 3> three_numbers(TomlReader& r, const std::string& key) {
  const std::vector<double> v = r.require(r.get_numbers(key), key);
  if (v.size() != 3) r.fail_at(key, "must have 3 values (one per channel), not " + std::to_string(v.size()));
  return {static_cast<float>(v[0]), static_cast<float>(v[1]), static_cast<float>(v[2])};
}

std::string resolve(const std::string& config_path, const std::string& p) {
  if (p.empty()) return p;
  const std::filesystem::path path(p);
  if (path.is_absolute()) return p;
  return (std::filesystem::path(config_path).parent_path() / path).lexically_normal().string();
}

// [h, w] from "n" (square) or "[h, w]"; both positive.
std::array<int, 2> height_width(TomlReader& r, const std::string& key, const std::vector<int64_t>& v) {
  if (v.size() != 1 && v.size() != 2) r.fail_at(key, "must be a number or [height, width]");
  const int64_t h = v[0], w = v.size() == 2 ? v[1] : v[0];
  if (h <= 0 || w <= 0 || h > 65535 || w > 65535) r.fail_at(key, "sizes must be between 1 and 65535");
  return {static_cast<int>(h), static_cast<int>(w)};
}

void read_resize_and_crop(TomlReader& r, Preprocess& p) {
  const auto short_side = r.get_int("preprocess.resize_short");
  const auto resize = r.get_int_or_ints("preprocess.resize");
  if (short_side && resize)
    r.fail_at("preprocess.resize", "and preprocess.resize_short are both given; keep one");
  if (short_side) {
    if (*short_side <= 0 || *short_side > 65535) r.fail_at("preprocess.resize_short", "must be 1..65535");
    p.resize_short = static_cast<int>(*short_side);
  }
  if (resize) {
    const auto hw = height_width(r, "preprocess.resize", *resize);
    p.resize_height = hw[0];
    p.resize_width = hw[1];
  }
  if (const auto crop = r.get_int_or_ints("preprocess.center_crop")) {
    const auto hw = height_width(r, "preprocess.center_crop", *crop);
    if (hw[0] > p.height || hw[1] > p.width)
      r.fail_at("preprocess.center_crop", "(" + std::to_string(hw[0]) + "x" + std::to_string(hw[1]) +
                                              ") is larger than the model input (" +
                                              std::to_string(p.height) + "x" + std::to_string(p.width) + ")");
    p.crop_height = hw[0];
    p.crop_width = hw[1];
  }
  const std::string interp = r.get_string("preprocess.interpolation").value_or("bilinear");
  if (interp == "bilinear")
    p.interpolation = Interpolation::bilinear;
  else if (interp == "bicubic")
    p.interpolation = Interpolation::bicubic;
  else if (interp == "nearest")
    p.interpolation = Interpolation::nearest;
  else
    r.fail_at("preprocess.interpolation",
              "must be \"bilinear\", \"bicubic\" or \"nearest\", not \"" + interp + "\"");
  const std::string backend = r.get_string("preprocess.backend").value_or("pil");
  if (backend == "pil")
    p.backend = ResizeBackend::pil;
  else if (backend == "cv2")
    p.backend = ResizeBackend::cv2;
  else
    r.fail_at("preprocess.backend",
              "must be \"pil\" (torchvision) or \"cv2\" (mmcls), not \"" + backend + "\"");
  if (p.backend == ResizeBackend::cv2 && p.interpolation == Interpolation::bicubic)
    r.fail_at("preprocess.interpolation",
              "\"bicubic\" is not reproduced for backend \"cv2\" (OpenCV's INTER_CUBIC); use \"bilinear\" or "
              "backend \"pil\"");
}

}  // namespace

ModelConfig load_model_config(const std::string& path, std::vector<std::string>* warnings) {
  TomlReader r(path);
  ModelConfig c;
  c.path = path;
  c.name = r.require(r.get_string("model.name"), "model.name");
  c.model_file = resolve(path, r.get_string("model.file").value_or(""));
  c.input_name = r.get_string("model.input_name").value_or(c.input_name);
  c.output_name = r.get_string("model.output_name").value_or(c.output_name);
  c.output_is_probability = r.get_bool("model.output_is_probability").value_or(false);
  c.input_shape = r.require(r.get_ints("model.input_shape"), "model.input_shape");
  const Shape& s = c.input_shape;
  if (s.size() != 4 || s[1] != 3 || s[2] <= 0 || s[3] <= 0 || (s[0] <= 0 && s[0] != kDynamicDim))
    r.fail_at("model.input_shape",
              "must be [N, 3, H, W] with H, W > 0 and N > 0 or -1, not [" + shape_str(s) + "]");

  const std::string color = r.get_string("preprocess.color").value_or("RGB");
  std::string upper = color;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char ch) { return std::toupper(ch); });
  if (upper != "RGB" && upper != "BGR")
    r.fail_at("preprocess.color", "must be \"RGB\" or \"BGR\", not \"" + color + "\"");
  c.preprocess.bgr = upper == "BGR";
  c.preprocess.mean = three_numbers(r, "preprocess.mean");
  c.preprocess.std = three_numbers(r, "preprocess.std");
  for (float v : c.preprocess.std)
    if (!(v > 0)) r.fail_at("preprocess.std", "values must be positive");
  c.max_pixels = r.get_int("preprocess.max_pixels").value_or(c.max_pixels);
  if (c.max_pixels <= 0) r.fail_at("preprocess.max_pixels", "must be positive");
  c.preprocess.height = static_cast<int>(s[2]);
  c.preprocess.width = static_cast<int>(s[3]);
  read_resize_and_crop(r, c.preprocess);

  c.test_data = resolve(path, r.get_string("dataset.test").value_or(""));
  c.calib_data = resolve(path, r.get_string("dataset.calib").value_or(""));
  auto classes = r.get_strings("dataset.classes");
  auto top_classes = r.get_strings("classes");
  if (classes && top_classes) r.fail_at("classes", "is given twice (top level and [dataset]); keep one");
  c.classes = classes ? *classes : top_classes.value_or(std::vector<std::string>{});
  c.dataset_options.data_prefix = resolve(path, r.get_string("dataset.data_prefix").value_or(""));
  c.dataset_options.class_index = resolve(path, r.get_string("dataset.class_index").value_or(""));
  if (const auto file = r.get_string("dataset.classes_file")) {
    if (classes || top_classes) r.fail_at("dataset.classes_file", "and classes are both given; keep one");
    c.classes = read_class_names(resolve(path, *file));
  }
  const auto num = r.get_int("dataset.num_classes");
  if (num && *num <= 0) r.fail_at("dataset.num_classes", "must be positive");
  c.num_classes = num ? static_cast<int>(*num) : static_cast<int>(c.classes.size());
  if (!c.classes.empty() && c.classes.size() != static_cast<size_t>(c.num_classes))
    r.fail_at("dataset.num_classes", "is " + std::to_string(c.num_classes) + " but " +
                                         std::to_string(c.classes.size()) + " class names are given");

  if (warnings) {
    auto unknown = r.unknown_keys();
    warnings->insert(warnings->end(), unknown.begin(), unknown.end());
  }
  return c;
}

NcnnMeanNorm ncnn_mean_norm(const Preprocess& pre) {
  NcnnMeanNorm mn{};
  mn.pixel_type_from_rgb = pre.bgr ? "PIXEL_RGB2BGR" : "PIXEL_RGB";
  for (int c = 0; c < 3; ++c) {
    mn.mean[c] = pre.mean[c];
    mn.norm[c] = 1.0f / pre.std[c];
  }
  return mn;
}

}  // namespace qd
