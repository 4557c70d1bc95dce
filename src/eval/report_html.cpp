#include "eval/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/atomic_file.h"

namespace qd {

namespace fs = std::filesystem;
using nlohmann::json;

std::string base64_encode(const std::string& bytes) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += k[(v >> s) & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (rest == 2) v |= uint8_t(bytes[i + 1]) << 8;
    out += k[(v >> 18) & 63];
    out += k[(v >> 12) & 63];
    out += rest == 2 ? k[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string human_bytes(double b) {
  if (b >= 1024.0 * 1024.0) return fmt("%.2f MiB", b / (1024.0 * 1024.0));
  if (b >= 1024.0) return fmt("%.1f KiB", b / 1024.0);
  return fmt("%.0f B", b);
}

std::string not_measured(const std::string& what) {
  return "<p class=\"absent\">" + html_escape(what) + ": not measured in this run.</p>\n";
}

std::string class_name(const std::vector<std::string>& classes, int i) {
  return i >= 0 && i < static_cast<int>(classes.size()) ? classes[i] : "class " + std::to_string(i);
}

// "path (size)" list of a stage's "inputs"/"outputs".
std::string files_cell(const json& files) {
  if (!files.is_array() || files.empty()) return "&ndash;";
  std::string s;
  for (auto& f : files) {
    if (!s.empty()) s += "<br>";
    std::string path = f.value("path", std::string());
    s += "<code>" + html_escape(fs::path(path).filename().string()) + "</code>";
    if (f.contains("bytes")) s += " " + human_bytes(f["bytes"].get<double>());
    if (f.contains("images")) s += " (" + std::to_string(f["images"].get<long long>()) + " images)";
  }
  return s;
}

double total_output_bytes(const json& stage) {
  double b = 0;
  if (stage.contains("outputs") && stage["outputs"].is_array())
    for (auto& f : stage["outputs"])
      if (f.contains("bytes")) b += f["bytes"].get<double>();
  return b;
}

// Boxes left to right, one per stage, with its time and output size; arrows between them.
std::string pipeline_svg(const json& stages) {
  const int box_w = 150, box_h = 70, gap = 40, pad = 10;
  int n = static_cast<int>(stages.size());
  int width = pad * 2 + n * box_w + std::max(0, n - 1) * gap;
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"figure\" id=\"pipeline\" width=\"" << width
    << "\" height=\"" << box_h + 2 * pad << "\" viewBox=\"0 0 " << width << " " << box_h + 2 * pad
    << "\" role=\"img\" aria-label=\"deploy pipeline\">\n"
    << "<defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"4\" "
       "orient=\"auto\">"
       "<path d=\"M0,0 L8,4 L0,8 z\" fill=\"#555\"/></marker></defs>\n";
  for (int i = 0; i < n; ++i) {
    const json& st = stages[i];
    int x = pad + i * (box_w + gap);
    s << "<rect x=\"" << x << "\" y=\"" << pad << "\" width=\"" << box_w << "\" height=\"" << box_h
      << "\" rx=\"8\" fill=\"#e8f0fe\" stroke=\"#3367d6\"/>\n";
    s << "<text x=\"" << x + box_w / 2 << "\" y=\"" << pad + 22 << "\" class=\"stage\">"
      << html_escape(st.value("stage", std::string("?"))) << "</text>\n";
    s << "<text x=\"" << x + box_w / 2 << "\" y=\"" << pad + 42 << "\">"
      << (st.contains("seconds") ? fmt("%.2f s", st["seconds"].get<double>()) : std::string("time ?"))
      << "</text>\n";
    s << "<text x=\"" << x + box_w / 2 << "\" y=\"" << pad + 60 << "\">"
      << human_bytes(total_output_bytes(st)) << " out</text>\n";
    if (i + 1 < n)
      s << "<line x1=\"" << x + box_w + 2 << "\" y1=\"" << pad + box_h / 2 << "\" x2=\""
        << x + box_w + gap - 4 << "\" y2=\"" << pad + box_h / 2
        << "\" stroke=\"#555\" stroke-width=\"2\" marker-end=\"url(#arrow)\"/>\n";
  }
  s << "</svg>\n";
  return s.str();
}

std::string pipeline_section(const json& d) {
  std::string h = "<h2>Pipeline</h2>\n";
  if (!d.contains("stages") || !d["stages"].is_array() || d["stages"].empty())
    return h + not_measured("Pipeline stages");
  const json& stages = d["stages"];
  h += pipeline_svg(stages);
  h += "<table><tr><th>stage</th><th>time</th><th>inputs</th><th>outputs</th><th>details</th></tr>\n";
  double total = 0;
  for (auto& st : stages) {
    double sec = st.value("seconds", 0.0);
    total += sec;
    std::string details;
    for (auto& [key, v] : st.items()) {
      if (key == "stage" || key == "seconds" || key == "inputs" || key == "outputs") continue;
      if (!details.empty()) details += ", ";
      details += html_escape(key) + " " + html_escape(v.is_string() ? v.get<std::string>() : v.dump());
    }
    h += "<tr><td>" + html_escape(st.value("stage", std::string("?"))) + "</td><td class=\"num\">" +
         fmt("%.2f s", sec) + "</td><td>" + files_cell(st.value("inputs", json::array())) + "</td><td>" +
         files_cell(st.value("outputs", json::array())) + "</td><td>" + details + "</td></tr>\n";
  }
  h += "<tr><td><b>total</b></td><td class=\"num\"><b>" + fmt("%.2f s", total) +
       "</b></td><td></td><td></td><td></td></tr>\n</table>\n";
  return h;
}

std::string embedded_png(const std::string& path, const std::string& alt) {
  std::error_code ec;
  if (path.empty() || !fs::is_regular_file(path, ec))
    return "<p class=\"absent\">" + html_escape(alt) + ": no image in this run.</p>";
  std::ifstream f(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return "<img class=\"figure\" alt=\"" + html_escape(alt) + "\" src=\"data:image/png;base64," +
         base64_encode(bytes) + "\">";
}

std::string top5_table(const json& top, const std::vector<float>& scores,
                       const std::vector<std::string>& classes) {
  std::string h = "<table><tr><th>rank</th><th>class</th><th>score</th></tr>\n";
  int rank = 1;
  for (auto& c : top) {
    int i = c.get<int>();
    std::string score = i >= 0 && i < static_cast<int>(scores.size()) ? fmt("%.4f", scores[i]) : "&ndash;";
    h += "<tr><td>" + std::to_string(rank++) + "</td><td>" + html_escape(class_name(classes, i)) +
         "</td><td class=\"num\">" + score + "</td></tr>\n";
  }
  return h + "</table>\n";
}

std::string test_image_section(const DeployReportInputs& in) {
  std::string h = "<h2>Test image: fp32 vs int8</h2>\n";
  const json& d = in.deploy;
  if (!d.contains("test_image")) return h + not_measured("Test image predictions");
  const json& t = d["test_image"];
  h += "<p>Image <code>" + html_escape(t.value("path", std::string())) + "</code></p>\n<div class=\"row\">\n";
  auto column = [&](const char* name, const char* key, const std::vector<float>& scores,
                    const std::string& png) {
    std::string c = std::string("<div class=\"col\"><h3>") + name + "</h3>\n";
    if (!t.contains(key) || !t[key].is_array() || t[key].empty())
      return c + not_measured(std::string(name) + " prediction") + "</div>\n";
    return c + embedded_png(png, std::string(name) + " result image") + "\n" +
           top5_table(t[key], scores, in.classes) + "</div>\n";
  };
  h += column("fp32", "fp32_top5", in.fp32_scores, in.fp32_png);
  h += column("int8", "int8_top5", in.int8_scores, in.int8_png);
  return h + "</div>\n";
}

std::string metric_section(const json& d, const char* key, const char* title, const char* field,
                           const char* format) {
  std::string h = std::string("<h2>") + title + "</h2>\n";
  if (!d.contains(key) || !d[key].is_object()) return h + not_measured(title);
  h += "<table><tr><th>model</th><th>" + std::string(field) + "</th><th>all values</th></tr>\n";
  for (auto& [name, v] : d[key].items()) {
    std::string main =
        v.contains(field) && v[field].is_number() ? fmt(format, v[field].get<double>()) : "&ndash;";
    h += "<tr><td>" + html_escape(name) + "</td><td class=\"num\">" + main + "</td><td><code>" +
         html_escape(v.dump()) + "</code></td></tr>\n";
  }
  return h + "</table>\n";
}

// Horizontal bars, one per layer; SNR in dB (higher = closer to fp32).
std::string snr_section(const json& d) {
  std::string h = "<h2>Per-layer SNR (int8 vs fp32)</h2>\n";
  if (!d.contains("layer_snr") || !d["layer_snr"].is_array() || d["layer_snr"].empty())
    return h + not_measured("Per-layer SNR");
  const json& rows = d["layer_snr"];
  double max_db = 1;
  for (auto& r : rows) max_db = std::max(max_db, r.value("snr_db", 0.0));
  const int label_w = 260, bar_w = 360, row_h = 16;
  int height = static_cast<int>(rows.size()) * row_h + 10;
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"figure\" id=\"snr\" width=\""
    << label_w + bar_w + 70 << "\" height=\"" << height << "\" role=\"img\" aria-label=\"per-layer SNR\">\n";
  int y = 5;
  for (auto& r : rows) {
    double db = r.value("snr_db", 0.0);
    int w = static_cast<int>(std::max(0.0, db) / max_db * bar_w);
    s << "<text x=\"" << label_w - 4 << "\" y=\"" << y + 12 << "\" class=\"label\">"
      << html_escape(r.value("layer", std::string("?"))) << "</text>";
    s << "<rect x=\"" << label_w << "\" y=\"" << y + 2 << "\" width=\"" << w << "\" height=\"" << row_h - 4
      << "\" fill=\""
      << (db < 20   ? "#d93025"
          : db < 30 ? "#f9ab00"
                    : "#1e8e3e")
      << "\"/>";
    s << "<text x=\"" << label_w + w + 4 << "\" y=\"" << y + 12 << "\" class=\"value\">" << fmt("%.1f dB", db)
      << "</text>\n";
    y += row_h;
  }
  s << "</svg>\n";
  return h + s.str();
}

std::string confusion_table(const json& m, const std::vector<std::string>& classes) {
  double max_v = 1;
  for (auto& row : m)
    for (auto& v : row) max_v = std::max(max_v, v.get<double>());
  std::string h = "<table class=\"confusion\"><tr><th>true \\ predicted</th>";
  for (size_t j = 0; j < m.size(); ++j)
    h += "<th>" + html_escape(class_name(classes, static_cast<int>(j))) + "</th>";
  h += "</tr>\n";
  for (size_t i = 0; i < m.size(); ++i) {
    h += "<tr><th>" + html_escape(class_name(classes, static_cast<int>(i))) + "</th>";
    for (auto& v : m[i]) {
      double x = v.get<double>();
      int shade = 255 - static_cast<int>(std::lround(x / max_v * 180));
      h += "<td class=\"num\" style=\"background:rgb(" + std::to_string(shade) + "," + std::to_string(shade) +
           ",255)\">" + fmt("%.0f", x) + "</td>";
    }
    h += "</tr>\n";
  }
  return h + "</table>\n";
}

std::string confusion_section(const json& d, const std::vector<std::string>& classes) {
  std::string h = "<h2>Confusion matrices</h2>\n";
  if (!d.contains("confusion") || !d["confusion"].is_object())
    return h + not_measured("Confusion matrices (need a labelled dataset evaluation)");
  for (auto& [name, m] : d["confusion"].items())
    h += "<h3>" + html_escape(name) + "</h3>\n" + confusion_table(m, classes);
  return h;
}

const char* kStyle = R"(body{font-family:sans-serif;margin:24px;color:#202124;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}.absent{color:#80868b;font-style:italic}
svg text{font-size:12px;text-anchor:middle;fill:#202124}svg text.stage{font-weight:bold;font-size:14px}
svg text.label{text-anchor:end}svg text.value{text-anchor:start}
.row{display:flex;gap:32px;flex-wrap:wrap}img.figure{image-rendering:pixelated;width:256px;border:1px solid #ccc}
code{font-size:12px}
)";

// The browser refuses any fetch: the page must stand alone (images are data: URLs, CSS is inline).
const char* kPolicy =
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
    "style-src 'unsafe-inline'\">\n";

}  // namespace

std::string render_deploy_report(const DeployReportInputs& in) {
  const json& d = in.deploy;
  std::string title = in.title.empty() ? "qdeploy deploy report" : "qdeploy deploy report: " + in.title;
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
                  std::string(kPolicy) + "<title>" + html_escape(title) + "</title>\n<style>" + kStyle +
                  "</style>\n</head>\n<body>\n<h1>" + html_escape(title) + "</h1>\n";
  h += pipeline_section(d);
  h += test_image_section(in);
  h += metric_section(d, "accuracy", "Accuracy (fp32 vs int8)", "top1", "%.4f");
  h += metric_section(d, "speed", "Speed (fp32 vs int8)", "median_ms", "%.3f ms");
  h += snr_section(d);
  h += confusion_section(d, in.classes);
  h += "<p class=\"absent\">Written by qdeploy deploy; all figures are inline (no network access).</p>\n";
  return h + "</body>\n</html>\n";
}

void write_deploy_report(const DeployReportInputs& in, const std::string& path) {
  std::string page = render_deploy_report(in);
  write_file_atomic(path, std::string_view(page));
}

}  // namespace qd
