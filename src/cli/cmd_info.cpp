// qdeploy info: what a model config means for ncnn (mean/norm values for Mat::substract_mean_normalize),
// printed as C++ lines ready to paste into an ncnn app (see docs/ncnn.md).
#include <charconv>
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "data/model_config.h"

namespace qd::cli {

namespace {
// Shortest text that reads back as the same float (113.8575f, not %g's 113.857f).
std::string float_literal(float v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s + "f";
}

std::string array3(const std::array<float, 3>& a) {
  return "{" + float_literal(a[0]) + ", " + float_literal(a[1]) + ", " + float_literal(a[2]) + "}";
}
// ncnn code for resize + center crop, and what of it ncnn's helpers cannot reproduce exactly.
void print_resize_and_crop(const Preprocess& p, const char* pixel_type) {
  const bool pil = p.backend == ResizeBackend::pil;
  const char* interp = p.interpolation == Interpolation::bilinear  ? "bilinear"
                       : p.interpolation == Interpolation::bicubic ? "bicubic"
                                                                   : "nearest";
  std::printf("ncnn: // preprocessing of this config: backend %s, %s", pil ? "pil" : "cv2", interp);
  if (p.resize_short > 0) std::printf(", short side -> %d", p.resize_short);
  if (p.resize_width > 0) std::printf(", resize -> %dx%d", p.resize_width, p.resize_height);
  if (p.crop_width > 0) std::printf(", center crop %dx%d", p.crop_width, p.crop_height);
  std::printf("\n");
  if (p.resize_short > 0) {
    std::printf("ncnn: int rw = %d, rh = %d;  // short side %d, long side int(%d * long / short)\n",
                p.resize_short, p.resize_short, p.resize_short, p.resize_short);
    std::printf(
        "ncnn: if (img_w <= img_h) rh = (int)((double)%d * img_h / img_w); else rw = (int)((double)%d * "
        "img_w / img_h);\n",
        p.resize_short, p.resize_short);
  } else if (p.resize_width > 0) {
    std::printf("ncnn: int rw = %d, rh = %d;\n", p.resize_width, p.resize_height);
  } else {
    std::printf("ncnn: int rw = img_w, rh = img_h;\n");
  }
  std::printf(
      "ncnn: ncnn::Mat resized = ncnn::Mat::from_pixels_resize(rgb, ncnn::Mat::%s, img_w, img_h, rw, rh);\n",
      pixel_type);
  if (p.crop_width > 0) {
    std::printf(
        "ncnn: auto offset = [](int d) { int q = d / 2; return (d %% 2 && q %% 2) ? q + 1 : q; };  // "
        "Python round(d / 2)\n");
    std::printf("ncnn: int top = offset(rh - %d), left = offset(rw - %d);\n", p.crop_height, p.crop_width);
    std::printf("ncnn: ncnn::Mat in;\n");
    std::printf("ncnn: ncnn::copy_cut_border(resized, in, top, rh - %d - top, left, rw - %d - left);\n",
                p.crop_height, p.crop_width);
  } else {
    std::printf("ncnn: ncnn::Mat in = resized;\n");
  }
  // ncnn's from_pixels_resize is a 2-tap bilinear in 11-bit fixed point (mat_pixel_resize.cpp).
  if (p.interpolation != Interpolation::bilinear)
    std::printf(
        "ncnn: // NOT exact: from_pixels_resize is bilinear only; %s needs your own resize (e.g. %s)\n",
        interp, pil ? "PIL's" : "cv::resize");
  else if (pil)
    std::printf(
        "ncnn: // NOT exact: PIL reduces with an antialiasing filter, from_pixels_resize does not; "
        "for the same pixels resize with Pillow's arithmetic (or cv::resize INTER_AREA as an "
        "approximation) and call from_pixels on the crop\n");
  else
    std::printf(
        "ncnn: // close, not bit-exact: from_pixels_resize is 2-tap bilinear like cv::resize "
        "INTER_LINEAR but rounds weights half away from zero and never switches to INTER_AREA at 2x "
        "(expect 1-level differences); for exact pixels call cv::resize and from_pixels on the crop\n");
}

}  // namespace

void register_info(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("info", "Print a model config's input and ncnn mean/norm values");
  sub->add_option("config", *path, "model config")->required();
  add_command(sub, [path] {
    ModelConfig c = load_model_config(*path);
    NcnnMeanNorm mn = ncnn_mean_norm(c.preprocess);
    int w = c.preprocess.width, h = c.preprocess.height;
    std::printf("model %s: input %s %dx%d %s, output %s (%s)\n", c.name.c_str(), c.input_name.c_str(), w, h,
                c.preprocess.bgr ? "BGR" : "RGB", c.output_name.c_str(),
                c.output_is_probability ? "probabilities" : "logits");
    std::printf("ncnn: x = (pixel - mean) * norm, norm = 1/std\n");
    std::printf("ncnn: const float mean_vals[3] = %s;\n", array3(mn.mean).c_str());
    std::printf("ncnn: const float norm_vals[3] = %s;\n", array3(mn.norm).c_str());
    if (c.preprocess.resizes_or_crops()) {
      print_resize_and_crop(c.preprocess, mn.pixel_type_from_rgb);
    } else {
      std::printf("ncnn: ncnn::Mat::from_pixels(rgb, ncnn::Mat::%s, w, h)\n", mn.pixel_type_from_rgb);
      std::printf(
          "ncnn: ncnn::Mat in = ncnn::Mat::from_pixels_resize(rgb, ncnn::Mat::%s, img_w, img_h, %d, %d);\n",
          mn.pixel_type_from_rgb, w, h);
    }
    std::printf("ncnn: in.substract_mean_normalize(mean_vals, norm_vals);\n");
    std::printf("ncnn: ex.input(\"%s\", in); ex.extract(\"%s\", out);\n", c.input_name.c_str(),
                c.output_name.c_str());
    return 0;
  });
}

}  // namespace qd::cli
