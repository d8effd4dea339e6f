#include "tests/interop/harness.h"

#include <stdlib.h>

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace openltp::interop {

CommandResult run(const std::string& command) {
  CommandResult result;
  std::FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 65536> buffer;
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

ScratchDir::ScratchDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "openltp-interop-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ltpdump_path() { return OPENLTP_LTPDUMP; }
std::string captures_dir() { return OPENLTP_CAPTURES_DIR; }

std::vector<nlohmann::json> ltpdump_json(const std::string& pcap, const std::string& ports) {
  const auto result =
      run(shell_quote(ltpdump_path()) + " --json -r " + shell_quote(pcap) + " --port " + ports);
  if (result.exit_code != 0) throw std::runtime_error("ltpdump failed on " + pcap);
  std::vector<nlohmann::json> objects;
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) objects.push_back(nlohmann::json::parse(line));
  return objects;
}

namespace {

// tshark 4.0 LTP fields, plus the generic malformed/expert markers.
const std::vector<std::string> kTsharkFields = {
    "frame.number",       "ltp.version",        "ltp.type",         "ltp.session.orig",
    "ltp.session.number", "ltp.hdr.extn.cnt",   "ltp.trl.extn.cnt", "ltp.hdr.extn.tag",
    "ltp.hdr.extn.len",   "ltp.data.client.id", "ltp.data.offset",  "ltp.data.length",
    "ltp.data.chkp",      "ltp.data.rpt",       "ltp.rpt.sno",      "ltp.rpt.chkp",
    "ltp.rpt.ub",         "ltp.rpt.lb",         "ltp.rpt.clm.cnt",  "ltp.rpt.clm.off",
    "ltp.rpt.clm.len",    "ltp.rpt.ack.sno",    "ltp.cancel.code",  "_ws.malformed",
    "_ws.expert",
};

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  return parts;
}

}  // namespace

TsharkFrames tshark_ltp_fields(const std::string& pcap) {
  std::string command = std::string(OPENLTP_TSHARK) + " -n -r " + shell_quote(pcap) +
                        " -d udp.port==1114,ltp -T fields -E occurrence=a -E aggregator=,"
                        " -E separator=/t";
  for (const auto& field : kTsharkFields) command += " -e " + field;
  command += " 2>/dev/null";
  const auto result = run(command);
  if (result.exit_code != 0) throw std::runtime_error("tshark failed on " + pcap);
  TsharkFrames frames;
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) {
    auto values = split(line, '\t');
    values.resize(kTsharkFields.size());
    std::map<std::string, std::string> fields;
    for (std::size_t i = 1; i < kTsharkFields.size(); ++i) {
      if (!values[i].empty()) fields[kTsharkFields[i]] = values[i];
    }
    const bool shows_ltp = fields.contains("ltp.type");
    const bool flagged = fields.contains("_ws.malformed") || fields.contains("_ws.expert");
    if (shows_ltp || flagged) frames[std::stoull(values[0])] = std::move(fields);
  }
  return frames;
}

namespace {

std::uint64_t number(const std::string& text) { return std::stoull(text, nullptr, 0); }

class Comparison {
 public:
  Comparison(const nlohmann::json& ours, const std::map<std::string, std::string>& theirs)
      : ours_(ours), theirs_(theirs) {}

  // Our `key` against tshark's `field`; both must be present or absent.
  void scalar(const std::string& key, const std::string& field) {
    const bool we_have = ours_.contains(key);
    const auto it = theirs_.find(field);
    if (we_have != (it != theirs_.end())) {
      diff(field + (we_have ? " missing in tshark" : " shown by tshark only"));
      return;
    }
    if (we_have && ours_[key].get<std::uint64_t>() != number(it->second)) {
      diff(field + ": ours " + ours_[key].dump() + ", tshark " + it->second);
    }
  }

  // A list of numbers: ours[list_key][*][item_key] against tshark's
  // comma-joined `field`.
  void list(const std::string& list_key, const std::string& item_key, const std::string& field) {
    std::vector<std::string> expected;
    if (ours_.contains(list_key)) {
      for (const auto& item : ours_[list_key])
        expected.push_back(std::to_string(item[item_key].get<std::uint64_t>()));
    }
    std::vector<std::string> shown;
    if (auto it = theirs_.find(field); it != theirs_.end()) {
      for (const auto& v : split(it->second, ',')) shown.push_back(std::to_string(number(v)));
    }
    if (expected != shown) diff(field + " lists differ");
  }

  void count(const std::string& list_key, const std::string& field) {
    const std::uint64_t ours = ours_.contains(list_key) ? ours_[list_key].size() : 0;
    const auto it = theirs_.find(field);
    if (it == theirs_.end() || number(it->second) != ours) {
      diff(field + ": ours " + std::to_string(ours) + ", tshark " +
           (it == theirs_.end() ? "absent" : it->second));
    }
  }

  void absent(const std::string& field, const std::string& why) {
    if (theirs_.contains(field)) diff(why + ": " + theirs_.at(field));
  }

  std::vector<std::string> diffs;

 private:
  void diff(const std::string& text) { diffs.push_back(text); }
  const nlohmann::json& ours_;
  const std::map<std::string, std::string>& theirs_;
};

}  // namespace

std::vector<std::string> compare_with_tshark(const nlohmann::json& ours,
                                             const std::map<std::string, std::string>& theirs) {
  Comparison c(ours, theirs);
  c.absent("_ws.malformed", "tshark calls it malformed");
  c.absent("_ws.expert", "tshark expert info");
  c.scalar("version", "ltp.version");
  c.scalar("type", "ltp.type");
  c.scalar("session_originator", "ltp.session.orig");
  c.scalar("session_number", "ltp.session.number");
  c.count("header_extensions", "ltp.hdr.extn.cnt");
  c.count("trailer_extensions", "ltp.trl.extn.cnt");
  // tshark 4.0 dissects header extensions only (trailers show as data).
  c.list("header_extensions", "tag", "ltp.hdr.extn.tag");
  c.list("header_extensions", "length", "ltp.hdr.extn.len");
  c.scalar("client_service_id", "ltp.data.client.id");
  const bool data = ours.contains("client_service_id");
  c.scalar(data ? "offset" : "-", "ltp.data.offset");
  c.scalar(data ? "length" : "-", "ltp.data.length");
  c.scalar(data ? "checkpoint_serial" : "-", "ltp.data.chkp");
  c.scalar(data ? "report_serial" : "-", "ltp.data.rpt");
  const bool report = ours.contains("claims");
  c.scalar(report ? "report_serial" : "-", "ltp.rpt.sno");
  c.scalar(report ? "checkpoint_serial" : "-", "ltp.rpt.chkp");
  c.scalar("upper_bound", "ltp.rpt.ub");
  c.scalar("lower_bound", "ltp.rpt.lb");
  c.scalar("claim_count", "ltp.rpt.clm.cnt");
  c.list("claims", "offset", "ltp.rpt.clm.off");
  c.list("claims", "length", "ltp.rpt.clm.len");
  const bool ack = ours.value("type", -1) == 9;
  c.scalar(ack ? "report_serial" : "-", "ltp.rpt.ack.sno");
  c.scalar("reason", "ltp.cancel.code");
  return c.diffs;
}

}  // namespace openltp::interop
