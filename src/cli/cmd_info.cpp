// qdeploy info: what a model config means for ncnn (mean/norm values for Mat::substract_mean_normalize).
#include <cstdio>

#include "cli/commands.h"
#include "data/model_config.h"

namespace qd::cli {

void register_info(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("info", "Print a model config's input and ncnn mean/norm values");
  sub->add_option("config", *path, "model config")->required();
  add_command(sub, [path] {
    ModelConfig c = load_model_config(*path);
    NcnnMeanNorm mn = ncnn_mean_norm(c.preprocess);
    std::printf("model %s: input %s %dx%d %s\n", c.name.c_str(), c.input_name.c_str(), c.preprocess.width,
                c.preprocess.height, c.preprocess.bgr ? "BGR" : "RGB");
    std::printf("ncnn: const float mean_vals[3] = {%gf, %gf, %gf};\n", mn.mean[0], mn.mean[1], mn.mean[2]);
    std::printf("ncnn: const float norm_vals[3] = {%gf, %gf, %gf};\n", mn.norm[0], mn.norm[1], mn.norm[2]);
    std::printf("ncnn: ncnn::Mat::from_pixels(rgb, ncnn::Mat::%s, w, h)\n", mn.pixel_type_from_rgb);
    return 0;
  });
}

}  // namespace qd::cli
