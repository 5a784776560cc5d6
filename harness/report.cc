// The run's bookkeeping (expected failures, counts, exit code) and its three renderings.
// Every text that came from outside (client output, scenario data, journal entries) is made
// safe for where it goes: control characters are shown as \xNN on the console, XML gets
// escaped text without the characters XML 1.0 forbids, and JSON strings with invalid UTF-8 get
// U+FFFD instead of throwing.
#include "harness/report.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

namespace chronapilot {
namespace {

constexpr int kStderrTailLines = 20;
constexpr char kToolName[] = "chronapilot-conformance";

std::string Trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t\r\n\f\v");
  if (begin == std::string::npos) return "";
  size_t end = s.find_last_not_of(" \t\r\n\f\v");
  return s.substr(begin, end - begin + 1);
}

std::string Join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::string Plural(int n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// A string field of the hello answer, or its JSON text when it is something else.
std::string HelloField(const Json& hello, const char* key) {
  if (!hello.is_object() || !hello.contains(key)) return "?";
  const Json& value = hello[key];
  return value.is_string() ? value.get<std::string>() : DumpJson(value);
}

// Decodes one UTF-8 sequence at `text[i]`, advancing `i`; -1 for a malformed one (one byte
// consumed), so that callers can substitute it.
long NextCodePoint(const std::string& text, size_t& i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) {
    ++i;
    return lead;
  }
  int length = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
  if (length == 0 || lead > 0xF4 || i + length > text.size()) {
    ++i;
    return -1;
  }
  long cp = lead & (0x7F >> length);
  for (int k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return -1;
    }
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static const long kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return -1;
  }
  i += length;
  return cp;
}

void AppendUtf8(std::string& out, long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Escaped for XML 1.0 text or a double-quoted attribute. Characters XML 1.0 cannot carry at
// all (most C0 controls, U+FFFE/U+FFFF) are dropped; malformed UTF-8 becomes U+FFFD.
std::string XmlEscape(const std::string& text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    long cp = NextCodePoint(text, i);
    if (cp < 0) cp = 0xFFFD;
    switch (cp) {
      case '&':
        out += "&amp;";
        continue;
      case '<':
        out += "&lt;";
        continue;
      case '>':
        out += "&gt;";
        continue;
      case '"':
        out += "&quot;";
        continue;
      case '\'':
        out += "&apos;";
        continue;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        continue;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        continue;
      case '\r':
        out += "&#13;";  // a literal CR would be normalized away by the parser
        continue;
    }
    bool allowed = (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
                   (cp >= 0x10000 && cp <= 0x10FFFF);
    if (allowed) AppendUtf8(out, cp);
  }
  return out;
}

// For the console: control characters (but tab) shown as \xNN, so that a client cannot move
// the cursor or recolour the terminal through its stderr.
std::string Printable(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\t') || c == 0x7F) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
      out += buffer;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// `text` with its second and later lines indented by `indent` spaces; for the console
// (`printable`) with control characters shown as \xNN.
std::string Hanging(const std::string& text, size_t indent, bool printable = true) {
  std::vector<std::string> lines = SplitLines(text);
  if (lines.empty()) return "";
  auto show = [&](const std::string& line) { return printable ? Printable(line) : line; };
  std::string out = show(lines[0]);
  for (size_t i = 1; i < lines.size(); ++i) out += "\n" + std::string(indent, ' ') + show(lines[i]);
  return out;
}

bool Reported(Verdict verdict) { return verdict == Verdict::kFail || verdict == Verdict::kWarn; }

bool Detailed(Outcome outcome) {
  return outcome == Outcome::kFail || outcome == Outcome::kWarn ||
         outcome == Outcome::kUnexpectedPass;
}

// The failed (and warned) checks of a scenario as indented lines, shared by the console and
// the JUnit failure text (`printable`: for the console, see Hanging):
//   ✗ step 3 (op complete_authorization): result.token_type [TOKEN-5]
//       expected: equals_ci "bearer"
//       seen:     "mac"
//       curl …
std::string CheckDetails(const ScenarioResult& result, bool printable) {
  std::string out;
  auto hanging = [&](const std::string& text, size_t indent) {
    return Hanging(text, indent, printable);
  };
  for (const CheckResult& check : result.checks) {
    if (!Reported(check.verdict)) continue;
    out += check.verdict == Verdict::kFail ? "  ✗ " : "  ! ";
    out += hanging(check.what.empty() ? "the scenario" : check.what, 4);
    if (check.verdict == Verdict::kWarn) out += " (WARN)";
    if (!check.requirements.empty()) out += " [" + Join(check.requirements, ", ") + "]";
    out += "\n";
    if (!check.expected.empty()) out += "      expected: " + hanging(check.expected, 16) + "\n";
    if (!check.seen.empty()) out += "      seen:     " + hanging(check.seen, 16) + "\n";
    for (const std::string& evidence : check.evidence) {
      out += "      " + hanging(evidence, 8) + "\n";
    }
  }
  return out;
}

std::string StderrTail(const std::string& stderr_text, int max_lines) {
  std::vector<std::string> lines = SplitLines(stderr_text);
  while (!lines.empty() && Trim(lines.back()).empty()) lines.pop_back();
  if (lines.empty()) return "";
  size_t first = lines.size() > static_cast<size_t>(max_lines) ? lines.size() - max_lines : 0;
  std::string out = "  client stderr (" +
                    (first > 0 ? "last " + std::to_string(lines.size() - first) + " lines"
                               : Plural(static_cast<int>(lines.size()), "line", "lines")) +
                    "):\n";
  for (size_t i = first; i < lines.size(); ++i) out += "    | " + Printable(lines[i]) + "\n";
  return out;
}

std::string HeaderLine(const RunInfo& info) {
  std::string line = std::string(kToolName) + " " + CHRONAPILOT_VERSION + ": client ";
  if (info.client_hello.is_object()) {
    line += HelloField(info.client_hello, "name") + " " + HelloField(info.client_hello, "version") +
            " (" + HelloField(info.client_hello, "language") + ")";
  } else {
    line += "(not started)";
  }
  if (!info.client_command.empty()) line += " [" + info.client_command + "]";
  line += ", target " + (info.target.empty() ? std::string("in-process mock") : info.target);
  line += ", -j " + std::to_string(info.jobs);
  return Printable(line);
}

std::string SummaryLine(const std::vector<ScenarioResult>& results, const RunSummary& summary) {
  std::string line = Plural(static_cast<int>(results.size()), "scenario", "scenarios") + ": " +
                     std::to_string(summary.passed) + " passed, " + std::to_string(summary.failed) +
                     " failed, ";
  if (summary.warned > 0) line += std::to_string(summary.warned) + " warned, ";
  line += std::to_string(summary.skipped) + " skipped, " +
          Plural(summary.expected_failures, "expected failure", "expected failures");
  if (summary.unexpected_passes > 0) {
    line += ", " + Plural(summary.unexpected_passes, "unexpected pass", "unexpected passes");
  }
  line += " (" + Fixed(summary.duration_ms / 1000.0, 1) + " s)";
  return line;
}

// "Required.PKCE.S256Challenge" → {"Required.PKCE", "S256Challenge"}.
std::pair<std::string, std::string> SplitId(const std::string& id) {
  size_t dot = id.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == id.size()) return {id, id};
  return {id.substr(0, dot), id.substr(dot + 1)};
}

// What a failure is about, in one line, for JUnit's message attribute.
std::string FirstProblem(const ScenarioResult& result) {
  for (const CheckResult& check : result.checks) {
    if (check.verdict == Verdict::kFail) return check.what;
  }
  for (const CheckResult& check : result.checks) {
    if (check.verdict == Verdict::kWarn) return check.what;
  }
  return result.reason;
}

std::string QuoteShell(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// A method name as is when it is a plain token, quoted otherwise.
std::string QuoteShellIfNeeded(const std::string& text) {
  bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_';
  });
  return plain ? text : QuoteShell(text);
}

bool EqualsIgnoreCase(const std::string& a, const char* b) {
  size_t n = std::strlen(b);
  if (a.size() != n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

}  // namespace

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "PASS";
    case Verdict::kFail:
      return "FAIL";
    case Verdict::kWarn:
      return "WARN";
    case Verdict::kSkip:
      return "SKIP";
  }
  return "?";
}

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass:
      return "PASS";
    case Outcome::kFail:
      return "FAIL";
    case Outcome::kWarn:
      return "WARN";
    case Outcome::kSkip:
      return "SKIP";
    case Outcome::kExpectedFailure:
      return "XFAIL";
    case Outcome::kUnexpectedPass:
      return "XPASS";
  }
  return "?";
}

StatusOr<ExpectedFailures> LoadExpectedFailures(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::NotFound("file_not_found", path + ": cannot open: " + std::strerror(errno));
  }
  ExpectedFailures expected;
  expected.file = path;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    size_t hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    std::string id = Trim(line);
    if (id.empty()) continue;
    if (id.find_first_of(" \t") != std::string::npos) {
      return Status::InvalidRequest("bad_expected_failures",
                                    path + ":" + std::to_string(number) +
                                        ": expected one scenario id per line, got \"" + id + "\"");
    }
    auto [it, inserted] = expected.lines.emplace(id, number);
    if (!inserted) {
      return Status::InvalidRequest("bad_expected_failures",
                                    path + ":" + std::to_string(number) + ": " + id +
                                        " is listed twice (first on line " +
                                        std::to_string(it->second) + ")");
    }
  }
  return expected;
}

int RunSummary::ExitCode() const {
  return failed == 0 && unexpected_passes == 0 && problems.empty() ? 0 : 1;
}

RunSummary Summarize(std::vector<ScenarioResult>& results, const ExpectedFailures& expected) {
  return Summarize(results, expected, {});
}

RunSummary Summarize(std::vector<ScenarioResult>& results, const ExpectedFailures& expected,
                     const std::vector<std::string>& known_ids) {
  RunSummary summary;
  std::vector<std::pair<int, std::string>> problems;  // (line, sentence), sorted by line below
  std::set<std::string> seen_ids(known_ids.begin(), known_ids.end());
  const std::string& file =
      expected.file.empty() ? std::string("expected failures") : expected.file;

  for (ScenarioResult& result : results) {
    seen_ids.insert(result.id);
    auto listed = expected.lines.find(result.id);
    if (listed != expected.lines.end()) {
      // Listed and skipped stays a skip: it says nothing about whether the failure is gone.
      if (result.outcome == Outcome::kFail || result.outcome == Outcome::kWarn) {
        result.outcome = Outcome::kExpectedFailure;
      } else if (result.outcome == Outcome::kPass) {
        result.outcome = Outcome::kUnexpectedPass;
      }
      if (result.outcome == Outcome::kUnexpectedPass) {
        problems.emplace_back(listed->second, file + ":" + std::to_string(listed->second) + ": " +
                                                  result.id + " passed; remove this line");
      }
    }
    switch (result.outcome) {
      case Outcome::kPass:
        ++summary.passed;
        break;
      case Outcome::kFail:
        ++summary.failed;
        break;
      case Outcome::kWarn:
        ++summary.warned;
        break;
      case Outcome::kSkip:
        ++summary.skipped;
        break;
      case Outcome::kExpectedFailure:
        ++summary.expected_failures;
        break;
      case Outcome::kUnexpectedPass:
        ++summary.unexpected_passes;
        break;
    }
  }

  for (const auto& [id, line] : expected.lines) {
    if (seen_ids.count(id) == 0) {
      problems.emplace_back(line, file + ":" + std::to_string(line) + ": " + id +
                                      " matches no scenario; remove this line");
    }
  }
  std::stable_sort(problems.begin(), problems.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& problem : problems) summary.problems.push_back(std::move(problem.second));
  return summary;
}

void WriteConsole(std::ostream& out, const RunInfo& info,
                  const std::vector<ScenarioResult>& results, const RunSummary& summary) {
  out << HeaderLine(info) << "\n\n";
  for (const ScenarioResult& result : results) {
    std::string name = OutcomeName(result.outcome);
    name.resize(5, ' ');
    out << name << "  " << Printable(result.id) << "  ("
        << static_cast<long long>(std::llround(result.duration_ms)) << " ms)";
    if (!result.reason.empty()) out << "  " << Hanging(result.reason, 9);
    out << "\n";
  }

  for (const ScenarioResult& result : results) {
    if (!Detailed(result.outcome)) continue;
    out << "\n" << OutcomeName(result.outcome) << "  " << Printable(result.id);
    if (!result.title.empty()) out << ": " << Printable(result.title);
    out << "\n";
    if (!result.file.empty()) out << "  at " << Printable(result.file) << "\n";
    if (result.outcome == Outcome::kUnexpectedPass) {
      out << "  every check passed, but it is listed as an expected failure\n";
    }
    out << CheckDetails(result, /*printable=*/true);
    if (!result.reason.empty()) out << "  " << Hanging(result.reason, 2) << "\n";
    out << StderrTail(result.client_stderr, kStderrTailLines);
  }

  out << "\n" << SummaryLine(results, summary) << "\n";
  for (const std::string& problem : summary.problems) out << Printable(problem) << "\n";
}

std::string JunitXml(const RunInfo& info, const std::vector<ScenarioResult>& results,
                     const RunSummary& summary) {
  int failures = 0, skipped = 0;
  for (const ScenarioResult& result : results) {
    if (result.outcome == Outcome::kFail || result.outcome == Outcome::kUnexpectedPass) ++failures;
    if (result.outcome == Outcome::kSkip || result.outcome == Outcome::kExpectedFailure) ++skipped;
  }
  auto attr = [](const std::string& text) { return XmlEscape(text, /*attribute=*/true); };
  auto text = [](const std::string& text) { return XmlEscape(text, /*attribute=*/false); };
  std::string seconds = Fixed(summary.duration_ms / 1000.0, 3);
  std::string counts = " tests=\"" + std::to_string(results.size()) + "\" failures=\"" +
                       std::to_string(failures) + "\" errors=\"0\" skipped=\"" +
                       std::to_string(skipped) + "\" time=\"" + seconds + "\"";

  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += std::string("<testsuites name=\"") + kToolName + "\"" + counts + ">\n";
  xml += std::string("  <testsuite name=\"") + kToolName + "\"" + counts + ">\n";
  xml += "    <properties>\n";
  auto property = [&](const std::string& name, const std::string& value) {
    xml += "      <property name=\"" + attr(name) + "\" value=\"" + attr(value) + "\"/>\n";
  };
  property("version", CHRONAPILOT_VERSION);
  property("client_command", info.client_command);
  if (info.client_hello.is_object()) {
    property("client_name", HelloField(info.client_hello, "name"));
    property("client_version", HelloField(info.client_hello, "version"));
    property("client_language", HelloField(info.client_hello, "language"));
  }
  property("target", info.target.empty() ? "in-process mock" : info.target);
  property("jobs", std::to_string(info.jobs));
  xml += "    </properties>\n";

  for (const ScenarioResult& result : results) {
    auto [classname, name] = SplitId(result.id);
    xml += "    <testcase classname=\"" + attr(classname) + "\" name=\"" + attr(name) +
           "\" time=\"" + Fixed(result.duration_ms / 1000.0, 3) + "\"";
    std::string body;
    std::string details = CheckDetails(result, /*printable=*/false);
    if (!result.reason.empty()) details += "  " + result.reason + "\n";
    switch (result.outcome) {
      case Outcome::kPass:
        break;
      case Outcome::kFail:
        body += "      <failure message=\"" + attr(FirstProblem(result)) + "\" type=\"FAIL\">" +
                text(details) + "</failure>\n";
        break;
      case Outcome::kUnexpectedPass:
        body +=
            "      <failure message=\"passed, but listed as an expected failure\" "
            "type=\"XPASS\">" +
            text("Remove " + result.id + " from the expected-failures file.") + "</failure>\n";
        break;
      case Outcome::kSkip:
        body += "      <skipped message=\"" + attr(result.reason) + "\"/>\n";
        break;
      case Outcome::kExpectedFailure:
        body += "      <skipped message=\"" + attr("expected failure: " + FirstProblem(result)) +
                "\">" + text(details) + "</skipped>\n";
        break;
      case Outcome::kWarn:
        body += "      <system-out>" + text("WARN (a SHOULD is not met):\n" + details) +
                "</system-out>\n";
        break;
    }
    if (!result.client_stderr.empty()) {
      body += "      <system-err>" + text(result.client_stderr) + "</system-err>\n";
    }
    xml += body.empty() ? "/>\n" : ">\n" + body + "    </testcase>\n";
  }
  xml += "  </testsuite>\n</testsuites>\n";
  return xml;
}

std::string JsonLines(const RunInfo& info, const std::vector<ScenarioResult>& results,
                      const RunSummary& summary) {
  std::string out;
  Json header = {{"type", "header"},
                 {"tool", kToolName},
                 {"version", CHRONAPILOT_VERSION},
                 {"client", info.client_hello},
                 {"client_command", info.client_command},
                 {"target", info.target.empty() ? Json(nullptr) : Json(info.target)},
                 {"jobs", info.jobs}};
  out += DumpJson(header) + "\n";

  for (const ScenarioResult& result : results) {
    Json checks = Json::array();
    for (const CheckResult& check : result.checks) {
      checks.push_back({{"verdict", VerdictName(check.verdict)},
                        {"step", check.step},
                        {"what", check.what},
                        {"requirements", check.requirements},
                        {"expected", check.expected},
                        {"seen", check.seen},
                        {"evidence", check.evidence}});
    }
    Json line = {{"type", "scenario"},
                 {"id", result.id},
                 {"title", result.title},
                 {"file", result.file},
                 {"outcome", OutcomeName(result.outcome)},
                 {"reason", result.reason},
                 {"requirements", result.requirements},
                 {"tags", result.tags},
                 {"duration_ms", result.duration_ms},
                 {"checks", std::move(checks)},
                 {"client_stderr", result.client_stderr}};
    out += DumpJson(line) + "\n";
  }

  Json footer = {{"type", "footer"},
                 {"scenarios", results.size()},
                 {"passed", summary.passed},
                 {"failed", summary.failed},
                 {"warned", summary.warned},
                 {"skipped", summary.skipped},
                 {"expected_failures", summary.expected_failures},
                 {"unexpected_passes", summary.unexpected_passes},
                 {"problems", summary.problems},
                 {"exit_code", summary.ExitCode()},
                 {"duration_ms", summary.duration_ms}};
  out += DumpJson(footer) + "\n";
  return out;
}

std::string CurlLine(const std::string& method, const std::string& url,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     const std::string& body) {
  std::string line = "curl";
  if (EqualsIgnoreCase(method, "HEAD")) {
    line += " -I";  // -X HEAD would wait for a body that never comes
  } else if (!EqualsIgnoreCase(method, "GET") || !body.empty()) {
    line += " -X " + QuoteShellIfNeeded(method);
  }
  line += " " + QuoteShell(url);
  for (const auto& [name, value] : headers) {
    // curl computes the length itself; a copied one would be wrong after any edit of the body.
    if (EqualsIgnoreCase(name, "Content-Length")) continue;
    line += " -H " + QuoteShell(name + ": " + value);
  }
  if (!body.empty()) line += " --data-binary " + QuoteShell(body);
  return line;
}

}  // namespace chronapilot
