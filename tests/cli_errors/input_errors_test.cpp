// Error contract (docs/errors.md) for configs, images, calibration folders and output locations.
#include <gtest/gtest.h>

#include <cstring>

#include "cli_errors/cli_harness.h"
#include "cli_errors/tiny_model.h"

namespace qd::test {
namespace {

const std::string kFp32Deploy =
    std::string(QDEPLOY_SOURCE_DIR) + "/configs/deploy/classification_ncnn_static.toml";
const std::string kInt8DeployConfig =
    std::string(QDEPLOY_SOURCE_DIR) + "/configs/deploy/classification_ncnn-int8_static.toml";

class InputErrors : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { files = new TinyModelFiles(); }
  static void TearDownTestSuite() { delete files; }

  std::string config_with(const std::string& name, const std::string& text) {
    const std::string p = dir / (name + ".toml");
    write_bytes(p, text);
    return p;
  }
  // deploy (fp32) of the tiny model on `image`; returns the run, output in dir/<name>.
  RunResult deploy(const std::string& image, const std::string& out, const std::string& config = "") {
    return run_qdeploy({"deploy", kFp32Deploy, config.empty() ? files->toml : config, files->onnx, image,
                        "--work-dir", out});
  }

  static TinyModelFiles* files;
  TempDir dir;
};
TinyModelFiles* InputErrors::files = nullptr;

// ---- TOML model configs (qdeploy info) ----

TEST_F(InputErrors, TomlUnknownKeyWarns) {
  std::string text = kTinyToml;
  text.replace(text.find("[preprocess]"), 12, "[preprocess]\nmean_typo = 3");
  RunResult r =
      run_qdeploy({"test", config_with("unknown", text), "--model", files->onnx, "--dataset", files->calib});
  EXPECT_TRUE(is_success(r, "unknown key 'preprocess.mean_typo'"));
}

TEST_F(InputErrors, TomlWrongTypeIsError) {
  std::string text = kTinyToml;
  text.replace(text.find("name = \"tiny\""), 13, "name = 42");
  const std::string p = config_with("wrong_type", text);
  EXPECT_TRUE(
      is_error(run_qdeploy({"info", p}), 1, p + ":2", "key 'model.name' must be a string, not an integer"));
  text = kTinyToml;
  text.replace(text.find("[1, 3, 8, 8]"), 12, "\"1x3x8x8\"");
  const std::string q = config_with("wrong_type2", text);
  EXPECT_TRUE(is_error(run_qdeploy({"info", q}), 1, q + ":4", "key 'model.input_shape' must be"));
}

TEST_F(InputErrors, TomlSyntaxErrorAndMissingKey) {
  const std::string p = config_with("syntax", "[model\nname = 1\n");
  EXPECT_TRUE(is_error(run_qdeploy({"info", p}), 1, p + ":1", "TOML syntax error"));
  const std::string q = config_with("missing", "[model]\nname = \"x\"\n");
  EXPECT_TRUE(is_error(run_qdeploy({"info", q}), 1, q, "missing required key 'model.input_shape'"));
}

// ---- images (qdeploy deploy's test image) ----

// A failing test image stops deploy before its result files; the converted model (complete files written
// atomically before the image is read) may stay, nothing else.
void expect_no_result_files(const std::string& out) {
  for (const auto& f : files_under(out)) {
    EXPECT_TRUE(f.rfind("end2end.", 0) == 0) << "unexpected output " << f;
    EXPECT_EQ(f.find(".tmp"), std::string::npos) << "temporary left: " << f;
  }
}

TEST_F(InputErrors, ImageZeroByte) {
  const std::string img = dir / "zero.png", out = dir / "zero_out";
  write_bytes(img, "");
  EXPECT_TRUE(is_error(deploy(img, out), 1, img, "empty"));
  expect_no_result_files(out);
}

TEST_F(InputErrors, ImageTruncated) {
  const std::string png = read_bytes(files->image);
  const std::string img = dir / "truncated.png", out = dir / "trunc_out";
  write_bytes(img, png.substr(0, png.size() / 2));
  EXPECT_TRUE(is_error(deploy(img, out), 1, img, ""));
  expect_no_result_files(out);
  // A JPEG cut in its entropy-coded data.
  const std::string jpg = dir / "full.jpg", cut = dir / "truncated.jpg";
  std::vector<uint8_t> px = test_pixels(32, 32, 3, 5);
  ASSERT_TRUE(stbi_write_jpg(jpg.c_str(), 32, 32, 3, px.data(), 90));
  const std::string bytes = read_bytes(jpg);
  write_bytes(cut, bytes.substr(0, bytes.size() * 2 / 3));
  EXPECT_TRUE(is_error(deploy(cut, dir / "trunc_jpg_out"), 1, cut, ""));
  expect_no_result_files(dir / "trunc_jpg_out");
}

TEST_F(InputErrors, NotAnImage) {
  const std::string img = dir / "notes.jpg", out = dir / "text_out";
  write_bytes(img, "these are my notes, not a picture\n");
  EXPECT_TRUE(is_error(deploy(img, out), 1, img, ""));
  expect_no_result_files(out);
}

uint32_t crc32_of(const std::string& s) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char ch : s) {
    c ^= ch;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return c ^ 0xFFFFFFFFu;
}

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

// A PNG whose header claims w x h RGB pixels, followed by a tiny (wrong) data chunk: a decoder that
// allocated from the header before checking would try to allocate w*h*3 bytes.
std::string png_header_claiming(uint32_t w, uint32_t h) {
  std::string ihdr = "IHDR" + be32(w) + be32(h) + std::string("\x08\x02\x00\x00\x00", 5);
  std::string idat = "IDAT" + std::string("\x78\x9c\x03\x00\x00\x00\x00\x01", 8);
  return std::string("\x89PNG\r\n\x1a\n", 8) + be32(13) + ihdr + be32(crc32_of(ihdr)) + be32(8) + idat +
         be32(crc32_of(idat)) + be32(0) + "IEND" + be32(crc32_of("IEND"));
}

TEST_F(InputErrors, ImageHugeIsRefusedBeforeDecoding) {
  const std::string img = dir / "huge.png", out = dir / "huge_out";
  write_bytes(img, png_header_claiming(60000, 60000));  // 3.6 G pixels
  EXPECT_TRUE(is_error(deploy(img, out), 1, img, "pixels"));
  expect_no_result_files(out);
}

TEST_F(InputErrors, ImagePixelLimitIsConfigurable) {
  // preprocess.max_pixels = 63: the 8x8 calibration images (64 pixels) are refused by test and calibrate.
  std::string text = kTinyToml;
  text.replace(text.find("[preprocess]"), 12, "[preprocess]\nmax_pixels = 63");
  const std::string cfg = config_with("limit", text);
  RunResult r = run_qdeploy({"test", cfg, "--model", files->onnx, "--dataset", files->calib});
  EXPECT_TRUE(is_error(r, 1, files->calib, "no readable images"));
  EXPECT_NE(r.err.find("qdeploy: warning: skipped " + files->calib + "/a.png"), std::string::npos) << r.err;
  const std::string out = dir / "limit_out";
  std::filesystem::create_directories(out);
  r = run_qdeploy(
      {"calibrate", cfg, files->param, files->bin, "--images", files->calib, "--out", out + "/t.table"});
  EXPECT_TRUE(is_error(r, 1, files->calib, "no readable calibration images"));
  EXPECT_EQ(files_under(out), std::vector<std::string>{});
  text.replace(text.find("max_pixels = 63"), 15, "max_pixels = 0");
  const std::string bad = config_with("limit0", text);
  EXPECT_TRUE(is_error(run_qdeploy({"info", bad}), 1, bad, "key 'preprocess.max_pixels' must be positive"));
}

TEST_F(InputErrors, GrayscaleAndAlphaImagesAreConverted) {
  const std::string gray = dir / "gray.png", rgba = dir / "rgba.png";
  write_png(gray, 8, 8, 1, test_pixels(8, 8, 1, 7));
  write_png(rgba, 8, 8, 4, test_pixels(8, 8, 4, 8));
  EXPECT_TRUE(is_success(deploy(gray, dir / "gray_out")));
  EXPECT_TRUE(is_success(deploy(rgba, dir / "rgba_out")));
  EXPECT_TRUE(std::filesystem::exists(dir / "rgba_out/deploy.json"));
}

TEST_F(InputErrors, DatasetWithOnlyBadImagesIsError) {
  const std::string d = dir / "bad_set";
  write_bytes(d + "/cls/a.png", "not a png");
  write_bytes(d + "/cls/b.png", "");
  RunResult r = run_qdeploy({"test", files->toml, "--model", files->onnx, "--dataset", d});
  EXPECT_TRUE(is_error(r, 1, d, "no readable images")) << describe(r);
}

// ---- calibration folder ----

TEST_F(InputErrors, EmptyCalibrationFolder) {
  const std::string empty = dir / "empty_calib", out = dir / "calib_out";
  std::filesystem::create_directories(empty);
  std::filesystem::create_directories(out);
  RunResult r = run_qdeploy(
      {"calibrate", files->toml, files->param, files->bin, "--images", empty, "--out", out + "/t.table"});
  EXPECT_TRUE(is_error(r, 1, empty, "no images"));
  EXPECT_EQ(files_under(out), std::vector<std::string>{});
}

// ---- output locations ----

TEST_F(InputErrors, UnwritableOutputFolder) {
  // Root may write anywhere, so use a path below a regular file: it can never be created.
  const std::string blocker = dir / "a_file";
  write_bytes(blocker, "x");
  const std::string out = blocker + "/out";
  EXPECT_TRUE(
      is_error(run_qdeploy({"convert", files->onnx, "--work-dir", out}), 1, out, "cannot create directory"));
  const std::string table = out + "/t.table";
  RunResult r = run_qdeploy({"calibrate", files->toml, files->param, files->bin, "--out", table});
  EXPECT_TRUE(is_error(r, 1, table, "cannot create file"));
}

TEST_F(InputErrors, DiskFullMidWriteLeavesNoPartialFile) {
  // RLIMIT_FSIZE below the model's size: the first output write fails like on a full disk.
  const std::string out = dir / "full_out";
  std::filesystem::create_directories(out);
  RunResult r = run_qdeploy({"convert", files->onnx, "--work-dir", out}, 1024);
  // The first output, the end2end.onnx copy, is larger than the limit: it fails and nothing is left.
  EXPECT_TRUE(is_error(r, 1, out + "/end2end.onnx", "write failed"));
  EXPECT_EQ(files_under(out), std::vector<std::string>{});
}

// ---- deploy checks every input before its first output (issue 6) ----

// A work dir holding an earlier run's file: a failing deploy must leave exactly that.
std::string work_dir_with_earlier_output(const std::string& out) {
  write_bytes(out + "/earlier.txt", "from an earlier run");
  return out;
}

TEST_F(InputErrors, DeployBadTestImageWritesNothing) {
  const std::string img = dir / "bad_early.png";
  write_bytes(img, "not a png at all");
  const std::string out = work_dir_with_earlier_output(dir / "bad_early_out");
  EXPECT_TRUE(is_error(deploy(img, out), 1, img, ""));
  EXPECT_EQ(files_under(out), std::vector<std::string>{"earlier.txt"});
  // Also with --quant (calibration would be the slow part): still nothing written.
  RunResult r = run_qdeploy({"deploy", kInt8DeployConfig, files->toml, files->onnx, img, "--work-dir", out,
                             "--quant-image-dir", files->calib});
  EXPECT_TRUE(is_error(r, 1, img, ""));
  EXPECT_EQ(files_under(out), std::vector<std::string>{"earlier.txt"});
  // A work dir that does not exist yet is not created.
  const std::string fresh = dir / "bad_early_fresh";
  EXPECT_TRUE(is_error(deploy(img, fresh), 1, img, ""));
  EXPECT_FALSE(std::filesystem::exists(fresh));
}

TEST_F(InputErrors, DeployTestImageObeysPixelLimit) {
  // The 8x8 test image has 64 pixels: refused with max_pixels = 63, accepted with 64.
  std::string text = kTinyToml;
  text.replace(text.find("[preprocess]"), 12, "[preprocess]\nmax_pixels = 63");
  const std::string over = config_with("deploy_limit63", text);
  const std::string out = work_dir_with_earlier_output(dir / "deploy_limit_out");
  EXPECT_TRUE(is_error(deploy(files->image, out, over), 1, files->image, "pixels"));
  EXPECT_EQ(files_under(out), std::vector<std::string>{"earlier.txt"});
  text.replace(text.find("max_pixels = 63"), 15, "max_pixels = 64");
  const std::string exact = config_with("deploy_limit64", text);
  EXPECT_TRUE(is_success(deploy(files->image, out, exact)));
  EXPECT_TRUE(std::filesystem::exists(out + "/deploy.json"));
}

TEST_F(InputErrors, DeployMissingOrUnlabelledTestDatasetWritesNothing) {
  const std::string out = work_dir_with_earlier_output(dir / "deploy_testset_out");
  const std::string missing = dir / "no_such_test_set";
  RunResult r = run_qdeploy({"deploy", kFp32Deploy, files->toml, files->onnx, files->image, "--work-dir", out,
                             "--test-dataset", missing});
  EXPECT_TRUE(is_error(r, 1, missing, "dataset not found"));
  EXPECT_EQ(files_under(out), std::vector<std::string>{"earlier.txt"});
  // The calibration folder is flat (unlabelled): no accuracy can be computed from it.
  r = run_qdeploy({"deploy", kFp32Deploy, files->toml, files->onnx, files->image, "--work-dir", out,
                   "--test-dataset", files->calib});
  EXPECT_TRUE(is_error(r, 1, files->calib, "no labelled images"));
  EXPECT_EQ(files_under(out), std::vector<std::string>{"earlier.txt"});
  // A class folder beyond the config's num_classes = 10.
  const std::string many = dir / "eleven_classes";
  for (int c = 0; c < 11; ++c)
    write_png(many + "/c" + std::string(c < 10 ? "0" : "") + std::to_string(c) + "/x.png", 8, 8, 3,
              test_pixels(8, 8, 3, c));
  r = run_qdeploy({"deploy", kFp32Deploy, files->toml, files->onnx, files->image, "--work-dir", out,
                   "--test-dataset", many});
  EXPECT_TRUE(is_error(r, 1, many, "outside the 10 classes"));
  EXPECT_EQ(files_under(out), std::vector<std::string>{"earlier.txt"});
}

TEST_F(InputErrors, DeployAutoMethodWithPassesIsError) {
  const std::string out = work_dir_with_earlier_output(dir / "deploy_auto_passes_out");
  const RunResult r = run_qdeploy({"deploy", kInt8DeployConfig, files->toml, files->onnx, files->image,
                                   "--work-dir", out, "--quant-image-dir", files->calib, "--calib-method",
                                   "auto", "--passes", "bias_correction"});
  EXPECT_TRUE(is_error(r, 1, "--passes", "cannot be combined with --calib-method auto"));
  EXPECT_EQ(files_under(out), std::vector<std::string>{"earlier.txt"});
}

TEST_F(InputErrors, DeployMissingCalibrationFolderWritesNothing) {
  const std::string out = work_dir_with_earlier_output(dir / "deploy_calib_out");
  const std::string missing = dir / "no_such_calib";
  RunResult r = run_qdeploy({"deploy", kInt8DeployConfig, files->toml, files->onnx, files->image,
                             "--work-dir", out, "--quant-image-dir", missing});
  EXPECT_TRUE(is_error(r, 1, missing, "dataset not found"));
  EXPECT_EQ(files_under(out), std::vector<std::string>{"earlier.txt"});
}

}  // namespace
}  // namespace qd::test
