// report.html: base64 against RFC 4648's vectors, escaping, and a page built from a deploy.json-like record.
#include "eval/report_html.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace qd {
namespace {

namespace fs = std::filesystem;

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)),
            "//4A");  // high bytes, the last two alphabet chars
}

TEST(HtmlEscape, AllFiveCharacters) {
  EXPECT_EQ(html_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(html_escape("plain"), "plain");
}

nlohmann::json sample_deploy() {
  return nlohmann::json::parse(R"({
    "stages": [
      {"stage": "convert", "seconds": 0.5, "inputs": [{"path": "/m/model.onnx", "bytes": 2048}],
       "outputs": [{"path": "/w/end2end.param", "bytes": 1000}, {"path": "/w/end2end.bin", "bytes": 3145728}]},
      {"stage": "calibrate", "seconds": 12.25, "method": "kl",
       "inputs": [{"path": "/d/calib", "images": 1000}], "outputs": [{"path": "/w/end2end.table", "bytes": 10618}]}
    ],
    "test_image": {"path": "/d/cat <1>.jpg", "fp32_top5": [3, 5, 2, 0, 1], "int8_top5": [3, 2, 5, 0, 1]}
  })");
}

TEST(DeployReport, StagesPredictionsAndHonestPlaceholders) {
  DeployReportInputs in;
  in.deploy = sample_deploy();
  in.title = "resnet20";
  in.classes = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  in.fp32_scores = {0.01f, 0.02f, 0.03f, 0.8f, 0.f, 0.1f, 0.f, 0.f, 0.f, 0.f};
  in.int8_scores = {0.01f, 0.02f, 0.12f, 0.75f, 0.f, 0.09f, 0.f, 0.f, 0.f, 0.f};
  std::string page = render_deploy_report(in);

  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("</html>"), std::string::npos);
  // Stages with times, sizes (3145728 B = 3.00 MiB) and the total 12.75 s.
  EXPECT_NE(page.find("id=\"pipeline\""), std::string::npos);
  EXPECT_NE(page.find(">0.50 s<"), std::string::npos);
  EXPECT_NE(page.find("12.25 s"), std::string::npos);
  EXPECT_NE(page.find("3.00 MiB"), std::string::npos);
  EXPECT_NE(page.find("12.75 s"), std::string::npos);
  EXPECT_NE(page.find("(1000 images)"), std::string::npos);
  EXPECT_NE(page.find("method kl"), std::string::npos);
  // Predictions: names and scores from the vectors, the path escaped.
  EXPECT_NE(page.find("<td>cat</td><td class=\"num\">0.8000</td>"), std::string::npos);
  EXPECT_NE(page.find("<td>cat</td><td class=\"num\">0.7500</td>"), std::string::npos);
  EXPECT_NE(page.find("cat &lt;1&gt;.jpg"), std::string::npos);
  // Absent data is said to be absent, not invented: accuracy, speed, SNR, confusion; and the PNGs.
  EXPECT_EQ(count(page, "not measured in this run"), 4u);
  EXPECT_EQ(count(page, "no image in this run"), 2u);
  // Self-contained: no scripts, no external resources.
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_EQ(page.find("src=\"http"), std::string::npos);
  EXPECT_EQ(page.find("url(http"), std::string::npos);
}

TEST(DeployReport, OptionalFiguresAndEmbeddedPng) {
  fs::path dir = fs::temp_directory_path() / ("qd_report_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string png = (dir / "out.png").string();
  std::string bytes("\x89PNG\r\n\x1a\nabc", 11);  // only embedded, never decoded by the renderer
  std::ofstream(png, std::ios::binary) << bytes;

  DeployReportInputs in;
  in.deploy = sample_deploy();
  in.deploy["accuracy"] = {{"fp32", {{"top1", 0.8651}}}, {"int8", {{"top1", 0.8641}}}};
  in.deploy["layer_snr"] =
      nlohmann::json::parse(R"([{"layer": "conv1", "snr_db": 35.5}, {"layer": "fc", "snr_db": 12}])");
  in.deploy["confusion"] = {{"fp32", {{5, 1}, {0, 7}}}};
  in.fp32_png = png;
  std::string page = render_deploy_report(in);
  fs::remove_all(dir);

  EXPECT_NE(page.find("src=\"data:image/png;base64," + base64_encode(bytes) + "\""), std::string::npos);
  EXPECT_EQ(count(page, "no image in this run"), 1u);  // int8 PNG not given
  EXPECT_NE(page.find(">0.8641<"), std::string::npos);
  EXPECT_NE(page.find("35.5 dB"), std::string::npos);
  EXPECT_NE(page.find("12.0 dB"), std::string::npos);
  EXPECT_NE(page.find("id=\"snr\""), std::string::npos);
  EXPECT_NE(page.find(">7</td>"), std::string::npos);
  EXPECT_EQ(count(page, "not measured in this run"), 1u);  // only speed is left
}

}  // namespace
}  // namespace qd
