#include "tools/ionstart/config_sections.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <sstream>

#include "libltp/admin/line_reader.h"

namespace ltp::ionstart {
namespace {

// The admin programs ION's ionstart knows; sections for others are errors
// in ION only as warnings, and so here.
constexpr std::array<std::string_view, 11> kIonPrograms = {
    "ionadmin",  "ionsecadmin", "bpsecadmin", "ltpsecadmin", "ltpadmin", "bpadmin",
    "cfdpadmin", "ipnadmin",    "bibeadmin",  "dtn2admin",   "dtpcadmin"};

struct Marker {
  bool begin;
  std::string program;
  std::string tag;
};

// `## begin|end <program> [<tag>]`, or nothing for any other line.
std::optional<Marker> marker(const std::string& line) {
  std::istringstream words(line);
  std::string hashes, verb;
  Marker m;
  if (!(words >> hashes >> verb) || hashes != "##" || (verb != "begin" && verb != "end")) {
    return std::nullopt;
  }
  if (!(words >> m.program)) return std::nullopt;  // ION ignores a marker without a program
  words >> m.tag;
  m.begin = verb == "begin";
  return m;
}

}  // namespace

Result<ConfigSections, std::string> split_sections(std::string_view file, std::string_view text,
                                                   std::string_view tag) {
  std::istringstream in{std::string(text)};
  return split_sections(file, in, tag);
}

Result<ConfigSections, std::string> split_sections(std::string_view file, std::istream& in,
                                                   std::string_view tag) {
  ConfigSections out;
  std::map<std::string, std::size_t> begun;  // program -> line of its begin marker
  std::optional<std::string> current;
  std::vector<admin_tool::NumberedLine> lines;
  const auto fail = [&](std::size_t number, std::string message) {
    return failure(fmt::format("{}:{}: {}", file, number, std::move(message)));
  };
  const auto close_section = [&](const std::string& program) {
    if (program == "ionadmin") {
      out.ionadmin = std::move(lines);
    } else if (program == "ionsecadmin") {
      out.ionsecadmin = std::move(lines);
    } else if (program == "ltpsecadmin") {
      out.ltpsecadmin = std::move(lines);
    } else if (program == "ltpadmin") {
      out.ltpadmin = std::move(lines);
    } else {
      out.warnings.push_back(
          fmt::format("{}:{}: skipping the {} section: OpenLTP runs only the "
                      "ionadmin, ionsecadmin, ltpsecadmin and ltpadmin sections",
                      file, begun[program], program));
    }
    lines.clear();
  };

  std::string line;
  std::size_t number = 0;
  admin::LineReader reader(in);
  for (;;) {
    const auto read = reader.next(line);
    if (read == admin::LineReader::Read::end) break;
    number = reader.number();
    if (read == admin::LineReader::Read::too_long) return fail(number, admin::too_long_message());
    const auto m = marker(line);
    if (!m) {
      if (current) lines.push_back({number, line});
      continue;
    }
    if (std::find(kIonPrograms.begin(), kIonPrograms.end(), m->program) == kIonPrograms.end()) {
      out.warnings.push_back(fmt::format("{}:{}: `{}` is not an ION admin program; line ignored",
                                         file, number, m->program));
      continue;
    }
    const char* verb = m->begin ? "begins" : "ends";
    if (m->tag != tag) {
      // Another node's section: harmless unless it cuts into ours.
      if (!current) continue;
      if (*current == m->program) {
        out.warnings.push_back(fmt::format("{}:{}: a {} section of tag `{}` {} inside ours", file,
                                           number, m->program, m->tag, verb));
        continue;
      }
      return fail(number, fmt::format("a {} section {} inside the {} section; sections may "
                                      "not overlap",
                                      m->program, verb, *current));
    }
    if (m->begin) {
      if (current) {
        return fail(number, fmt::format("the {} section begins inside the {} section; add "
                                        "`## end {}` before it",
                                        m->program, *current, *current));
      }
      if (begun.count(m->program)) {
        return fail(number, fmt::format("a second {} section (the first began at line {}); "
                                        "merge them",
                                        m->program, begun[m->program]));
      }
      begun[m->program] = number;
      current = m->program;
      continue;
    }
    if (!current) {
      return fail(number, fmt::format("`## end {}` without a `## begin {}` before it", m->program,
                                      m->program));
    }
    if (*current != m->program) {
      return fail(number, fmt::format("`## end {}` inside the {} section", m->program, *current));
    }
    close_section(*current);
    current.reset();
  }
  if (current) {
    return fail(number, fmt::format("the file ends inside the {} section (begun at line {}); "
                                    "add `## end {}`",
                                    *current, begun[*current], *current));
  }
  return out;
}

}  // namespace ltp::ionstart
