// Issue 14.2: every model of the zoo (tests/zoo/models.txt, exported by make_zoo.py into the build tree)
// checked end to end on the same preprocessed tensors (our data pipeline: 30 upscaled CIFAR-10 test images):
//   (a) our fp32 runtime on the ONNX file vs ONNX Runtime: same top-1, output SNR >= 100 dB
//   (b) our fp32 .param/.bin (`qdeploy convert`) in real ncnn: same top-1 as ONNX Runtime, and SNR >= 60 dB
//       against what ncnn computes by design: ncnn's x86 InnerProduct keeps its weights as fp16 (truncated,
//       not rounded) when opt.use_fp16_storage (default on) and the CPU has F16C, which alone costs the big
//       FC layers of VGG about 60 dB vs ONNX Runtime (and cost a random-init mmcls ResNet-50, whose FC
//       weights of ~3e-6 were fp16 subnormals, 41 dB; make_zoo.py now trains it briefly: 88 dB). The
//       reference is our runtime on the same .param/.bin with the InnerProduct weights truncated to fp16 the
//       same way; the SNR vs ONNX Runtime is reported too (docs/ncnn.md: why, and how to turn it off)
//   (c) `qdeploy deploy --quant` (kl, 100 calibration images); its int8 files in our runtime vs in real ncnn:
//       SNR >= 30 dB, top-1 agreement >= 95% (does our runtime compute what ncnn computes)
//   (e) the same int8 files, in our runtime and in real ncnn, each >= 20 dB from fp32 (ONNX Runtime): what
//       int8 (kl calibration) costs this model; a property of the model and the calibration as much as of
//       the tools, judged apart from (c) so that (c) guards every model
//   (d) ncnn's own ncnn2table + ncnn2int8 on our fp32 files, same images, in real ncnn: ours in real ncnn at
//       least as close to fp32 as theirs, per image (every image weighs the same) and paired: failed when
//       ours is further from fp32 than the test images' own spread explains, by more than 0.1 dB
//       (one-sided 95% bootstrap, paired_snr.h); the point figures, pooled and per image, are reported
// Reported with (a) and (c), not judged: how far each model's own output moves when its inputs move by a
// hair (the model's stability). Random-weight networks amplify small input changes enormously (real ncnn's
// int8 random MobileNetV3-Small vs itself on inputs moved by up to 1e-5: 17 dB), so two implementations that
// round one value in a million differently could not agree better than that: make_zoo.py trains the zoo
// briefly, which made every model 31-61 dB stable (docs/zoo.md).
// Every figure goes to <zoo>/results/<model>_op<opset>.json (tests/zoo/render_table.py makes the README
// table).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "cli/qdeploy_process.h"
#include "data/image.h"
#include "frontend/ncnn/ncnn_reader.h"
#include "frontend/onnx/onnx_importer.h"
#include "ort/ort_runner.h"
#include "zoo/paired_snr.h"

namespace qd {
namespace {

using namespace ort_testing;
using Json = nlohmann::json;

const std::string kZoo = QDEPLOY_ZOO_DIR;
const std::string kOracle = kShared + "/ncnn-oracle";
constexpr int kThreads = 2;  // ONNX Runtime and our runtime
// ncnn's tools spin-wait in OpenMP: on a busy machine 2 threads made them several times slower than 1.
constexpr int kNcnnThreads = 1;
constexpr int kCalibImages = 100;
constexpr double kFp32VsOrtDb = 100, kNcnnFp32VsOrtDb = 60, kInt8OursVsNcnnDb = 30, kInt8VsFp32Db = 20;
constexpr double kInt8Top1Agreement = 0.95;
// (d): how far behind ncnn's chain ours may be per image (paired_snr.h), beyond the images' own spread
constexpr double kChainMarginDb = 0.1;

struct ZooModel {
  std::string name;
  int opset;
  std::string checks;  // the checks on in ctest: letters of "abcd" (see models.txt)
};

void PrintTo(const ZooModel& m, std::ostream* os) {
  *os << m.name << " opset " << m.opset << " checks " << m.checks;
}

// Lines of tests/zoo/models.txt that are on in ctest (checks other than "-").
std::vector<ZooModel> zoo_models() {
  std::ifstream f(kSrc + "/tests/zoo/models.txt");
  std::vector<ZooModel> r;
  for (std::string line; std::getline(f, line);) {
    std::istringstream s(line.substr(0, line.find('#')));
    ZooModel m;
    if (s >> m.name >> m.opset >> m.checks && m.checks != "-") r.push_back(m);
  }
  return r;
}

// 10 log10(|ref|^2 / |x - ref|^2) over all values; 999 when identical.
double snr_db(const std::vector<float>& ref, const std::vector<float>& x) {
  double s = 0, n = 0;
  for (size_t i = 0; i < ref.size() && i < x.size(); ++i) {
    s += double(ref[i]) * ref[i];
    n += (double(x[i]) - ref[i]) * (double(x[i]) - ref[i]);
  }
  return n == 0 ? 999 : 10 * std::log10(s / n);
}

// The same with every image (row of `classes` values) weighing the same: 10 log10(1 / mean over images of
// |x - ref|^2 / |ref|^2); a pooled SNR is ruled by the images with the largest outputs. 999 when identical.
double image_snr_db(const std::vector<float>& ref, const std::vector<float>& x, size_t classes) {
  const std::vector<double> ratios = zoo_testing::image_noise_ratios(ref, x, classes);
  std::vector<size_t> all(ratios.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  return zoo_testing::image_snr_of(ratios, all);
}

// x with every value moved by a seeded uniform amount in [-eps, eps]: the stability probe of the header.
Tensor nudged(const Tensor& x, float eps) {
  std::vector<float> v(x.values<float>().begin(), x.values<float>().end());
  std::mt19937 rng(2026);
  std::uniform_real_distribution<float> u(-eps, eps);
  for (float& e : v) e += u(rng);
  return Tensor::from<float>(x.shape(), v);
}
// Input moves of the stability probes: ~8 float ulps of a unit value (fp32), and 1/1700 of one 8-bit pixel
// level of the normalised input, which moves ~0.05% of the int8 input values by one step (int8).
constexpr float kFp32Nudge = 1e-6f, kInt8Nudge = 1e-5f;

double top1_agreement(const std::vector<float>& a, const std::vector<float>& b, size_t classes) {
  const std::vector<int> ta = top1(a, classes), tb = top1(b, classes);
  int same = 0;
  for (size_t i = 0; i < ta.size() && i < tb.size(); ++i) same += ta[i] == tb[i];
  return ta.empty() ? 0 : double(same) / ta.size();
}

// x as ncnn's x86 InnerProduct stores it with fp16 storage on: _mm*_cvtps_ph(x, _MM_FROUND_TRUNC), i.e. the
// float16 toward zero (ncnn src/layer/x86/innerproduct_fp.h); fp16 subnormals kept, no overflow to inf.
float fp16_toward_zero(float x) {
  const float a = std::fabs(x);
  if (a >= 65504.f) return std::copysign(65504.f, x);
  if (a < 0x1p-14f) return std::trunc(x * 0x1p24f) * 0x1p-24f;  // subnormal fp16: multiples of 2^-24
  uint32_t u;
  std::memcpy(&u, &x, 4);
  u &= ~0x1FFFu;  // keep 10 of the 23 mantissa bits
  std::memcpy(&x, &u, 4);
  return x;
}

// Our runtime on ncnn files with every InnerProduct's (Gemm's) weights as real ncnn holds them: the reference
// for what ncnn computes with its default options.
std::vector<float> run_ours_fp16_fc_weights(const std::string& base, const Tensor& x) {
  ir::Model m = frontend::load_ncnn(base + ".param", base + ".bin");
  for (const ir::Node& n : m.graph.nodes())
    if (n.op == ir::OpKind::Gemm && m.graph.value(n.inputs.at(1)).is_constant()) {
      const Tensor& w = m.graph.value(n.inputs[1]).constant;
      std::vector<float> t(w.values<float>().begin(), w.values<float>().end());
      for (float& v : t) v = fp16_toward_zero(v);
      m.graph.value(n.inputs[1]).constant = Tensor::from<float>(w.shape(), t);
    }
  return run_ours(m, x, runtime::Int8Mode::off, 10);
}

std::vector<float> read_f32(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<float> r(bytes.size() / sizeof(float));
  std::memcpy(r.data(), bytes.data(), r.size() * sizeof(float));
  return r;
}

// Runs a shell command; output (stdout + stderr) and exit code.
test::CmdResult shell(const std::string& cmd) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  while (size_t k = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), k);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The last line of a failed command's output that says "error" (else its last line): the reason to report.
std::string error_line(const std::string& out) {
  std::istringstream s(out);
  std::string line, last, err;
  while (std::getline(s, line))
    if (!line.empty()) {
      last = line;
      if (line.find("error") != std::string::npos) err = line;
    }
  return err.empty() ? last : err;
}

// The .param/.bin in real ncnn over the raw inputs `in`; outputs of every image back to back ({} on failure).
std::vector<float> run_real_ncnn(const std::string& base, const std::string& in, const Shape& x,
                                 const std::string& out, Json& fail) {
  const auto r = shell(kOracle + "/ncnn_oracle run " + base + ".param " + base + ".bin --in " + in +
                       " --shape " + std::to_string(x[1]) + "," + std::to_string(x[2]) + "," +
                       std::to_string(x[3]) + " --out " + out + " --threads " + std::to_string(kNcnnThreads));
  if (r.code != 0) {
    fail = error_line(r.out);
    return {};
  }
  return read_f32(out);
}

// One model under the checks: its file, its preprocessing and the images it runs on.
struct ZooCase {
  std::string id;  // results/<id>.json, work/<id>
  std::string model, onnx;
  int opset = 0;           // 0: a file as it came (the shared trained models)
  std::string model_cfg;   // configs/*.toml: input size and preprocessing
  std::string test_dir;    // an ImageFolder
  size_t test_images = 0;  // a fixed random subset of this many (0: all)
  std::string calib_dir;   // calibration images: kCalibImages of them, spread over the sorted names
  std::string checks;      // judged: letters of "abcd" (C, D: run, reported, not judged)
};

// QD_ZOO_DEPLOY_ARGS: more `deploy` options for (c), for experiments (e.g. "--calib-method auto": then (d)
// and (e) judge that calibration against ncnn's kl chain); unset in ctest and CI.
std::string extra_deploy_args() {
  const char* extra = std::getenv("QD_ZOO_DEPLOY_ARGS");
  return extra && *extra ? std::string(" ") + extra : std::string();
}

// The calibration images of both chains (ours and ncnn2table): every k-th of the sorted files of `from`,
// decoded by our pipeline (libjpeg-turbo, the pixels PIL and torchvision see) and written to `dir` as PNG.
// ncnn2table decodes JPEG with stb_image, whose IDCT differs by a level here and there, and KL thresholds
// move by several % with that: with the JPEGs, (d) compared two decoders (tables up to 12% apart on
// ResNet-20 CIFAR). With these lossless copies both chains see the same pixels (the tables then agree to
// 1e-6 with the ncnn target's kl, which is ncnn2table's algorithm).
std::vector<std::string> calibration_pngs(const std::string& from, const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(from))
    if (e.is_regular_file()) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  const size_t step = std::max<size_t>(1, files.size() / kCalibImages);
  std::vector<std::string> written;
  fs::create_directories(dir);
  for (size_t i = 0; i < files.size() && written.size() < size_t(kCalibImages); i += step) {
    written.push_back(dir + "/" + fs::path(files[i]).stem().string() + ".png");
    save_png(decode_image(files[i]), written.back());
  }
  return written;
}

// The first image of an ImageFolder in sorted order (the deploy's demo image).
std::string first_image(const std::string& image_folder) {
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(image_folder))
    if (e.is_regular_file()) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files.empty() ? "" : files.front();
}

void check_zoo_case(const ZooCase& z) {
  const std::string& id = z.id;
  const std::string& onnx = z.onnx;
  ASSERT_TRUE(fs::exists(onnx)) << onnx << " missing: the zoo_export test (make_zoo.py) writes the zoo";
  const std::string dir = kZoo + "/work/" + id;
  fs::remove_all(dir);
  fs::create_directories(dir);
  Json res = {{"model", z.model}, {"opset", z.opset}, {"images", 0}};
  auto t = std::chrono::steady_clock::now();
  auto lap = [&](const char* stage) {  // wall time of each stage, for keeping the zoo's CI time small
    const auto now = std::chrono::steady_clock::now();
    res["seconds"][stage] = std::round(std::chrono::duration<double>(now - t).count() * 10) / 10;
    t = now;
  };

  const std::string& model_cfg = z.model_cfg;
  ModelConfig cfg = load_model_config(model_cfg);
  Images test = load_images(cfg, z.test_dir, z.test_images);
  res["images"] = test.count();
  const std::string in = dir + "/inputs.f32";
  write_file_atomic(in, std::string_view(static_cast<const char*>(test.x.raw()), test.x.nbytes()));
  const std::vector<float> ort = run_ort(onnx, test.x, dir, kThreads);
  ASSERT_TRUE(test.count() > 0 && !ort.empty() && ort.size() % test.count() == 0) << ort.size();
  const size_t classes = ort.size() / test.count();
  auto agreement = [classes](const std::vector<float>& a, const std::vector<float>& b) {
    return top1_agreement(a, b, classes);
  };
  auto image_snr = [classes](const std::vector<float>& a, const std::vector<float>& b) {
    return image_snr_db(a, b, classes);
  };
  lap("ort");

  // (a) our fp32 runtime on the ONNX file
  Json& a = res["a"];
  try {
    const ir::Model model = frontend::import_onnx(onnx);
    const std::vector<float> ours = run_ours(model, test.x, runtime::Int8Mode::off, 10);
    a = {{"snr_db", snr_db(ort, ours)}, {"top1_agreement", agreement(ort, ours)}};
    const std::vector<float> moved = run_ours(model, nudged(test.x, kFp32Nudge), runtime::Int8Mode::off, 10);
    a["stability_snr_db"] = snr_db(ours, moved);
    a["pass"] = a["snr_db"] >= kFp32VsOrtDb && a["top1_agreement"] == 1.0;
  } catch (const std::exception& e) {
    a = {{"pass", false}, {"error", e.what()}};
  }

  lap("a");

  // (b) our fp32 ncnn files in real ncnn
  Json& b = res["b"];
  const auto conv = test::run_qdeploy("convert " + onnx + " --work-dir " + dir + "/convert");
  const std::string fp32 = dir + "/convert/end2end";
  if (conv.code != 0) {
    b = {{"pass", false}, {"error", error_line(conv.out)}};
  } else if (auto y = run_real_ncnn(fp32, in, test.x.shape(), dir + "/ncnn_fp32.f32", b["error"]);
             !y.empty()) {
    b = {{"snr_db", snr_db(ort, y)}, {"top1_agreement", agreement(ort, y)}};
    try {
      const std::vector<float> ref16 = run_ours_fp16_fc_weights(fp32, test.x);
      b["fp16_fc_snr_db"] = snr_db(ref16, y);               // real ncnn vs what it computes by design
      b["fp16_fc_ref_vs_ort_snr_db"] = snr_db(ort, ref16);  // what the fp16 weights alone cost
      b["pass"] = b["fp16_fc_snr_db"] >= kNcnnFp32VsOrtDb && b["top1_agreement"] == 1.0;
    } catch (const std::exception& e) {
      b["pass"] = false;
      b["error"] = std::string("our runtime: ") + e.what();
    }
  } else {
    b["pass"] = false;
  }

  lap("b");
  // Upper-case C, D or E (models.txt): the int8 chains run and are reported, not judged.
  const bool int8_checks = z.checks.find_first_of("cdeCDE") != std::string::npos;
  if (int8_checks) {
    // (c) deploy --quant; the int8 files in our runtime and in real ncnn
    Json& c = res["c"];
    const std::string deploy_cfg = kSrc + "/configs/deploy/classification_ncnn-int8_static.toml";
    const std::vector<std::string> calib = calibration_pngs(z.calib_dir, dir + "/calib");
    const auto dep = test::run_qdeploy("deploy " + deploy_cfg + " " + model_cfg + " " + onnx + " " +
                                       first_image(z.test_dir) + " --work-dir " + dir + "/deploy --quant" +
                                       " --calib-num " + std::to_string(kCalibImages) + " --snr-num 0" +
                                       " --quant-image-dir " + dir + "/calib" + extra_deploy_args());
    const std::string int8 = dir + "/deploy/end2end_int8";
    std::vector<float> ours8, ncnn8;
    if (dep.code != 0) {
      c = {{"pass", false}, {"error", error_line(dep.out)}};
    } else {
      try {
        ir::Model m = frontend::load_ncnn(int8 + ".param", int8 + ".bin");
        ours8 = run_ours(m, test.x, runtime::Int8Mode::real, 10);
      } catch (const std::exception& e) {
        c["error"] = std::string("our runtime: ") + e.what();
      }
      ncnn8 = run_real_ncnn(int8, in, test.x.shape(), dir + "/ncnn_int8.f32", c["error"]);
      if (!ours8.empty() && !ncnn8.empty()) {
        c = {{"ours_vs_ncnn_snr_db", snr_db(ours8, ncnn8)},
             {"ours_vs_ncnn_top1_agreement", agreement(ours8, ncnn8)},
             {"ours_vs_fp32_snr_db", snr_db(ort, ours8)},
             {"ncnn_vs_fp32_snr_db", snr_db(ort, ncnn8)},
             {"ours_vs_fp32_top1_agreement", agreement(ort, ours8)},
             {"ncnn_vs_fp32_top1_agreement", agreement(ort, ncnn8)},
             {"ours_vs_fp32_image_snr_db", image_snr(ort, ours8)},
             {"ncnn_vs_fp32_image_snr_db", image_snr(ort, ncnn8)}};
        const std::string moved_in = dir + "/inputs_nudged.f32";
        const Tensor moved = nudged(test.x, kInt8Nudge);
        write_file_atomic(moved_in, std::string_view(static_cast<const char*>(moved.raw()), moved.nbytes()));
        Json ignored;
        if (auto y = run_real_ncnn(int8, moved_in, test.x.shape(), dir + "/ncnn_int8_nudged.f32", ignored);
            !y.empty()) {
          c["ncnn_stability_snr_db"] = snr_db(ncnn8, y);
          c["ncnn_stability_top1_agreement"] = agreement(ncnn8, y);
        }
        c["pass"] = c["ours_vs_ncnn_snr_db"] >= kInt8OursVsNcnnDb &&
                    c["ours_vs_ncnn_top1_agreement"] >= kInt8Top1Agreement;
        res["e"] = {
            {"ours_vs_fp32_snr_db", c["ours_vs_fp32_snr_db"]},
            {"ncnn_vs_fp32_snr_db", c["ncnn_vs_fp32_snr_db"]},
            {"pass", c["ours_vs_fp32_snr_db"] >= kInt8VsFp32Db && c["ncnn_vs_fp32_snr_db"] >= kInt8VsFp32Db}};
      } else {
        c["pass"] = false;
      }
    }

    if (!res.contains("e")) res["e"] = {{"pass", false}, {"error", "no int8 outputs (check c)"}};
    lap("c");

    // (d) ncnn's own chain on our fp32 files, in real ncnn
    Json& d = res["d"];
    const std::string list = dir + "/calib_list.txt", theirs = dir + "/ncnn_chain";
    {
      std::ofstream f(list);
      for (const std::string& file : calib) f << file << "\n";
    }
    const NcnnMeanNorm mn = ncnn_mean_norm(cfg.preprocess);
    // 9 significant digits: the floats our preprocessing uses, exactly (std::to_string's 6 decimals cut
    // 1/std to 0.017125 and gave ncnn2table inputs 1e-5 off ours)
    auto three = [](const std::array<float, 3>& v) {
      char s[96];
      std::snprintf(s, sizeof s, "[%.9g,%.9g,%.9g]", v[0], v[1], v[2]);
      return std::string(s);
    };
    const auto table =
        shell(kOracle + "/ncnn2table " + fp32 + ".param " + fp32 + ".bin " + list + " " + theirs +
              ".table mean=" + three(mn.mean) + " norm=" + three(mn.norm) + " shape=[" +
              std::to_string(cfg.preprocess.width) + "," + std::to_string(cfg.preprocess.height) +
              ",3] pixel=" + (cfg.preprocess.bgr ? "BGR" : "RGB") +
              " method=kl thread=" + std::to_string(kNcnnThreads));
    const auto q = table.code == 0 ? shell(kOracle + "/ncnn2int8 " + fp32 + ".param " + fp32 + ".bin " +
                                           theirs + ".param " + theirs + ".bin " + theirs + ".table")
                                   : table;
    std::vector<float> their8;
    if (conv.code != 0 || q.code != 0) {
      d = {{"pass", false}, {"error", conv.code != 0 ? "no fp32 files" : error_line(q.out)}};
    } else {
      their8 = run_real_ncnn(theirs, in, test.x.shape(), dir + "/ncnn_chain.f32", d["error"]);
    }
    if (!their8.empty()) {
      d = {{"ncnn_chain_vs_fp32_snr_db", snr_db(ort, their8)},
           {"ncnn_chain_vs_fp32_top1_agreement", agreement(ort, their8)},
           {"ncnn_chain_vs_fp32_image_snr_db", image_snr(ort, their8)}};
      if (!ncnn8.empty()) {
        d["ours_vs_fp32_snr_db"] = snr_db(ort, ncnn8);
        d["ours_vs_fp32_image_snr_db"] = image_snr(ort, ncnn8);
        d["ours_vs_fp32_top1_agreement"] = agreement(ort, ncnn8);
      }
      // judged per image, paired: ours may not be further from fp32 than the 30 images' spread explains
      if (!ncnn8.empty()) {
        const zoo_testing::PairedSnr p = zoo_testing::compare_image_snr(ort, ncnn8, their8, classes);
        d["ours_minus_ncnn_chain_image_snr_db"] = p.difference_db;
        d["ours_minus_ncnn_chain_upper95_db"] = p.upper_db;
        d["images_ours_closer"] = p.ours_closer;
        d["images"] = p.images;
        d["margin_db"] = kChainMarginDb;
        d["pass"] = p.ours_not_worse(kChainMarginDb);
      } else {
        d["pass"] = false;
      }
    } else {
      d["pass"] = false;
    }
  }

  lap("d");

  fs::create_directories(kZoo + "/results");
  std::ofstream(kZoo + "/results/" + id + ".json") << res.dump(2) << "\n";
  std::printf("%s\n", res.dump().c_str());
  for (const char* check : {"a", "b", "c", "d", "e"}) {
    const bool pass = z.checks.find(check) == std::string::npos || res[check]["pass"].get<bool>();
    EXPECT_TRUE(pass) << id << " check (" << check << "): " << res[check].dump();
  }
  // QD_ZOO_KEEP=1 keeps work/<model> (inputs, ORT outputs, both int8 chains and tables) to investigate
  if (!std::getenv("QD_ZOO_KEEP")) fs::remove_all(dir);
}

class Zoo : public testing::TestWithParam<ZooModel> {};

TEST_P(Zoo, Fp32AndInt8MatchOnnxRuntimeAndRealNcnn) {
  QD_SKIP_WITHOUT_ORT();
  const ZooModel& m = GetParam();
  ZooCase z;
  z.id = m.name + "_op" + std::to_string(m.opset);
  z.model = m.name;
  z.opset = m.opset;
  z.onnx = kZoo + "/models/" + z.id + ".onnx";
  z.model_cfg = kSrc + "/configs/imagenet/torchvision_224.toml";
  z.test_dir = kZoo + "/images/test";
  z.calib_dir = kZoo + "/images/calib";
  z.checks = m.checks;
  check_zoo_case(z);
}

// The same checks on the two TRAINED networks of ../shared (CIFAR-10 ResNets, with their own preprocessing;
// 500 test images, 100 of ../shared/cifar10/calib): the thresholds on fully trained networks. (d) compares
// two equal calibrations here (same kl on the same pixels: tables 1e-7 apart, int8 weights byte for byte,
// multipliers one float ulp apart), so it checks that ours is no worse than ncnn's chain, not better.
class TrainedZoo : public testing::TestWithParam<std::string> {};

TEST_P(TrainedZoo, Fp32AndInt8MatchOnnxRuntimeAndRealNcnn) {
  QD_SKIP_WITHOUT_ORT();
  ZooCase z;
  z.id = z.model = GetParam();
  z.onnx = kShared + "/models/" + z.model + ".onnx";
  z.model_cfg = kSrc + "/configs/" + z.model + ".toml";
  z.test_dir = kShared + "/cifar10/test";
  z.test_images = 500;
  z.calib_dir = kShared + "/cifar10/calib";
  z.checks = "abcde";
  check_zoo_case(z);
}

INSTANTIATE_TEST_SUITE_P(Shared, TrainedZoo, testing::Values("resnet18_cifar10", "resnet20_cifar10"));

INSTANTIATE_TEST_SUITE_P(Models, Zoo, testing::ValuesIn(zoo_models()),
                         [](const testing::TestParamInfo<ZooModel>& p) {
                           return p.param.name + "_op" + std::to_string(p.param.opset);
                         });

}  // namespace
}  // namespace qd
