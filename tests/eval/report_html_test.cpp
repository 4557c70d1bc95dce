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

// A record like the one `deploy --quant --test-dataset` writes (numbers chosen by hand).
nlohmann::json measured_deploy() {
  nlohmann::json d = sample_deploy();
  d["accuracy"] = nlohmann::json::parse(R"({
    "fp32": {"top1": 0.75, "topk": 1.0, "top1_correct": 3, "topk_correct": 4, "images": 4, "k": 5},
    "int8": {"top1": 0.5, "topk": 0.75, "top1_correct": 2, "topk_correct": 3, "images": 4, "k": 5}})");
  d["test_dataset"] = {{"path", "/d/test"}, {"images", 4}, {"skipped", 0}, {"requested", 4}, {"batch", 1}};
  d["agreement"] = {{"images", 4}, {"top1_same", 3}, {"fraction", 0.75}, {"max_abs_score_diff", 0.5}};
  d["speed"] = nlohmann::json::parse(R"({"batch": 1, "threads": 2, "warmup": 3, "runs": 20,
    "input": "the test image", "cores": 2, "load_average_1min": 3.5,
    "fp32": {"median_ms": 2.0, "p90_ms": 2.5, "min_ms": 1.5},
    "int8": {"median_ms": 1.0, "p90_ms": 1.25, "min_ms": 0.75}, "int8_over_fp32": 0.5})");
  d["layer_snr"] = nlohmann::json::parse(R"([
    {"layer": "conv1", "op": "Conv", "snr_db": 40.0, "layer_wise_snr_db": 41.0},
    {"layer": "conv2", "op": "Conv", "snr_db": 18.5, "layer_wise_snr_db": 30.0},
    {"layer": "conv3", "op": "Conv", "snr_db": null, "layer_wise_snr_db": null},
    {"layer": "fc", "op": "Gemm", "snr_db": 25.0, "layer_wise_snr_db": 33.0}])");
  d["snr_analysis"] = {{"images", 32}, {"source", "/d/calib"}, {"seconds", 1.5}};
  // 2 classes: fp32 3 of 4 right (diagonal 2 + 1), int8 2 of 4.
  d["confusion"] = {{"fp32", {{2, 0}, {1, 1}}}, {"int8", {{1, 1}, {1, 1}}}};
  return d;
}

std::string section(const std::string& page, const std::string& title) {
  size_t a = page.find("<h2>" + title);
  if (a == std::string::npos) return "";
  size_t b = page.find("<h2>", a + 4);
  return page.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

TEST(DeployReport, MeasuredAccuracySpeedSnrAndConfusion) {
  DeployReportInputs in;
  in.deploy = measured_deploy();
  in.classes = {"cat", "dog"};
  const std::string page = render_deploy_report(in);
  EXPECT_EQ(count(page, "not measured in this run"), 0u) << page;

  const std::string acc = section(page, "Accuracy");
  EXPECT_NE(acc.find("<td>fp32</td><td class=\"num\">0.7500</td><td class=\"num\">1.0000</td>"),
            std::string::npos)
      << acc;
  EXPECT_NE(acc.find("<td>int8</td><td class=\"num\">0.5000</td><td class=\"num\">0.7500</td>"),
            std::string::npos)
      << acc;
  EXPECT_NE(acc.find("-25.00 points"), std::string::npos) << acc;  // 0.50 - 0.75 top-1
  EXPECT_NE(acc.find("3 of 4 images (75.00%)"), std::string::npos) << acc;
  EXPECT_NE(acc.find("/d/test"), std::string::npos);

  const std::string speed = section(page, "Speed");
  EXPECT_NE(speed.find("2 thread(s)"), std::string::npos) << speed;
  EXPECT_NE(speed.find(">2.000 ms<"), std::string::npos) << speed;
  EXPECT_NE(speed.find(">1.000 ms<"), std::string::npos) << speed;
  EXPECT_NE(speed.find(">500.0<"), std::string::npos) << speed;  // 1000 / 2 ms
  EXPECT_NE(speed.find(">0.50<"), std::string::npos) << speed;   // int8 / fp32
  EXPECT_NE(speed.find("int8 is 2.00x as fast"), std::string::npos) << speed;
  EXPECT_NE(speed.find("Load average 3.50 on 2 cores"), std::string::npos) << speed;

  const std::string snr = section(page, "Per-layer SNR");
  EXPECT_NE(snr.find("id=\"snr\""), std::string::npos);
  EXPECT_NE(snr.find("18.5 dB"), std::string::npos);
  EXPECT_NE(snr.find("no error"), std::string::npos);  // null SNR
  // Worst layers table: graph-wise ascending, "no error" last.
  const size_t w = snr.find("id=\"worst-layers\"");
  ASSERT_NE(w, std::string::npos) << snr;
  const size_t c2 = snr.find("<td>conv2</td>", w), fc = snr.find("<td>fc</td>", w),
               c1 = snr.find("<td>conv1</td>", w), c3 = snr.find("<td>conv3</td>", w);
  ASSERT_NE(c3, std::string::npos);
  EXPECT_LT(c2, fc);
  EXPECT_LT(fc, c1);
  EXPECT_LT(c1, c3);
  EXPECT_NE(snr.find("<tr><td>1</td><td>conv2</td>"), std::string::npos);

  const std::string conf = section(page, "Confusion");
  EXPECT_EQ(count(conf, "<table class=\"confusion\">"), 2u);
  EXPECT_NE(conf.find("Diagonal 3 of 4 images = top-1 0.7500"), std::string::npos) << conf;
  EXPECT_NE(conf.find("Diagonal 2 of 4 images = top-1 0.5000"), std::string::npos) << conf;
  EXPECT_NE(conf.find("<th>dog</th>"), std::string::npos);
}

TEST(DeployReport, AbsentMeasurementsSayHowToGetThem) {
  DeployReportInputs in;
  in.deploy = sample_deploy();
  const std::string page = render_deploy_report(in);
  EXPECT_NE(section(page, "Accuracy").find("--test-dataset DIR"), std::string::npos);
  EXPECT_NE(section(page, "Confusion").find("--test-dataset DIR"), std::string::npos);
  EXPECT_NE(section(page, "Per-layer SNR").find("--quant"), std::string::npos);
  // A failed analysis says why.
  in.deploy["snr_analysis"] = {{"error", "calib: no readable <images>"}};
  const std::string failed = render_deploy_report(in);
  EXPECT_NE(section(failed, "Per-layer SNR").find("It failed: calib: no readable &lt;images&gt;"),
            std::string::npos);
}

TEST(DeployReport, MalformedMeasurementsDoNotThrow) {
  DeployReportInputs in;
  in.deploy = sample_deploy();
  in.deploy["accuracy"] = {{"fp32", {{"top1", "high"}}}};
  in.deploy["speed"] = {{"fp32", nullptr}, {"threads", "many"}};
  in.deploy["layer_snr"] = nlohmann::json::parse(R"([{"layer": 3, "snr_db": "x"}, 7])");
  in.deploy["confusion"] = {{"fp32", {{1, 2}, {3}}}};
  std::string page;
  EXPECT_NO_THROW(page = render_deploy_report(in));
  EXPECT_NE(page.find("not a square matrix"), std::string::npos);
}

}  // namespace
}  // namespace qd
