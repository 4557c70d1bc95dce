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
    std::printf("ncnn: ncnn::Mat::from_pixels(rgb, ncnn::Mat::%s, w, h)\n", mn.pixel_type_from_rgb);
    std::printf(
        "ncnn: ncnn::Mat in = ncnn::Mat::from_pixels_resize(rgb, ncnn::Mat::%s, img_w, img_h, %d, %d);\n",
        mn.pixel_type_from_rgb, w, h);
    std::printf("ncnn: in.substract_mean_normalize(mean_vals, norm_vals);\n");
    std::printf("ncnn: ex.input(\"%s\", in); ex.extract(\"%s\", out);\n", c.input_name.c_str(),
                c.output_name.c_str());
    return 0;
  });
}

}  // namespace qd::cli
