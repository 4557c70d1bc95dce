// report.html in a real browser: headless Chromium (Debian `chromium`, scripts/setup_report_test.sh) loads a
// report with two real PNGs and every optional figure, and the page must show them with no console errors.
// The report has no scripts; the test's copy adds one that reports, on `load`, how many images decoded and
// how many SVG figures exist. Skipped when chromium is not installed.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "data/image.h"
#include "eval/report_html.h"

namespace qd {
namespace {

namespace fs = std::filesystem;

struct ProcessResult {
  int rc;
  std::string output;
};

ProcessResult run(const std::string& cmd) {
  std::FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, ""};
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  size_t p = s.find(from);
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}

TEST(ReportRender, LoadsInHeadlessChromiumWithoutErrors) {
  if (run("command -v chromium >/dev/null 2>&1").rc != 0)
    GTEST_SKIP() << "chromium is not installed; install it with scripts/setup_report_test.sh";
  fs::path dir = fs::temp_directory_path() / ("qd_report_render_" + std::to_string(::getpid()));
  fs::create_directories(dir);

  Image a(32, 32), b(32, 32);
  for (size_t i = 0; i < a.rgb.size(); ++i) {
    a.rgb[i] = static_cast<uint8_t>(i * 7);
    b.rgb[i] = static_cast<uint8_t>(255 - i * 3);
  }
  save_png(a, (dir / "output_fp32.png").string());
  save_png(b, (dir / "output_int8.png").string());

  DeployReportInputs in;
  in.deploy = nlohmann::json::parse(R"({
    "stages": [{"stage": "convert", "seconds": 0.4, "outputs": [{"path": "end2end.bin", "bytes": 1086848}]},
               {"stage": "calibrate", "seconds": 9.1, "outputs": [{"path": "end2end.table", "bytes": 10618}]}],
    "test_image": {"path": "0000.jpg", "fp32_top5": [0, 1, 2, 3, 4], "int8_top5": [0, 2, 1, 3, 4]},
    "accuracy": {"fp32": {"top1": 0.8651, "topk": 0.9961, "top1_correct": 173, "images": 200},
                 "int8": {"top1": 0.8641, "topk": 0.9950, "top1_correct": 172, "images": 200}},
    "test_dataset": {"path": "cifar10/test", "images": 200, "skipped": 0, "requested": 200, "batch": 1},
    "agreement": {"images": 200, "top1_same": 196, "fraction": 0.98, "max_abs_score_diff": 0.4},
    "speed": {"batch": 1, "threads": 2, "warmup": 3, "runs": 20, "input": "the test image",
              "fp32": {"median_ms": 1.2, "p90_ms": 1.4, "min_ms": 1.1},
              "int8": {"median_ms": 0.9, "p90_ms": 1.0, "min_ms": 0.8}, "int8_over_fp32": 0.75},
    "layer_snr": [{"layer": "conv1", "op": "Conv", "snr_db": 38.2, "layer_wise_snr_db": 38.2},
                  {"layer": "fc", "op": "Gemm", "snr_db": 25.0, "layer_wise_snr_db": null}],
    "snr_analysis": {"images": 32, "source": "cifar10/calib", "seconds": 0.8},
    "confusion": {"fp32": [[9, 1], [2, 8]], "int8": [[8, 2], [2, 8]]}
  })");
  in.classes = {"airplane", "automobile", "bird", "cat", "deer"};
  in.fp32_scores = {0.5f, 0.2f, 0.1f, 0.1f, 0.1f};
  in.int8_scores = {0.45f, 0.2f, 0.15f, 0.1f, 0.1f};
  in.fp32_png = (dir / "output_fp32.png").string();
  in.int8_png = (dir / "output_int8.png").string();
  std::string page = render_deploy_report(in);

  // The probe: allowed to run by widening the page's own policy for scripts only (fetches stay blocked).
  const std::string probe = R"(<script>
window.addEventListener('error', e => console.error('REPORT_ERROR ' + e.message));
window.addEventListener('load', () => {
  const imgs = [...document.images];
  const decoded = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
  const svgs = document.querySelectorAll('svg.figure').length;
  const tables = document.querySelectorAll('table').length;
  console.log('REPORT_PROBE images=' + imgs.length + ' decoded=' + decoded + ' svgs=' + svgs + ' tables=' + tables);
});
</script>
)";
  std::string probed = replace_once(page, "style-src 'unsafe-inline'",
                                    "style-src 'unsafe-inline'; script-src 'unsafe-inline'");
  probed = replace_once(probed, "</body>", probe + "</body>");
  std::string html = (dir / "report.html").string();
  std::ofstream(html) << probed;

  // No network: unresolvable hosts besides the page's own policy. Console messages go to stderr as
  // "...:CONSOLE:<line>] "<text>", source: ...".
  ProcessResult r =
      run("timeout 120 chromium --headless=new --no-sandbox --disable-gpu --no-first-run "
          "--host-resolver-rules='MAP * ~NOTFOUND' --enable-logging=stderr --v=0 --dump-dom "
          "'file://" +
          html + "' 2>" + (dir / "stderr.txt").string());
  std::ifstream ef(dir / "stderr.txt");
  std::stringstream err;
  err << ef.rdbuf();
  fs::remove_all(dir);
  ASSERT_EQ(r.rc, 0) << err.str();

  // Every console line must be the probe's.
  std::istringstream lines(err.str());
  int console_lines = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find(":CONSOLE") == std::string::npos) continue;
    ++console_lines;
    EXPECT_NE(line.find("REPORT_PROBE"), std::string::npos) << "console message: " << line;
  }
  EXPECT_EQ(console_lines, 1) << err.str();
  // 2 PNGs decoded; figures: pipeline + SNR chart; tables: stages, 2 top-5, accuracy, speed, worst layers,
  // 2 confusion.
  EXPECT_NE(err.str().find("REPORT_PROBE images=2 decoded=2 svgs=2 tables=8"), std::string::npos)
      << err.str();
  // The DOM the browser built holds the report's content.
  EXPECT_NE(r.output.find("id=\"pipeline\""), std::string::npos);
  EXPECT_NE(r.output.find("0.8641"), std::string::npos);
  EXPECT_NE(r.output.find("id=\"worst-layers\""), std::string::npos);
  EXPECT_NE(r.output.find("int8 is 1.33x as fast"), std::string::npos);
}

}  // namespace
}  // namespace qd
