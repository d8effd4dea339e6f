// ltpdump: shows LTP segments in a pcap capture, or one segment given in
// hex, as readable lines or JSON objects (one per segment). See ltpdump(1).
//
// Exit status: 0 done (malformed segments are shown, not fatal), 1 the
// capture cannot be opened or read, 2 usage error.
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "libltp/cli/cli.h"
#include "tools/ltpdump/capture.h"
#include "tools/ltpdump/format.h"

namespace {

namespace cli = ltp::cli;
constexpr std::string_view kProgram = "ltpdump";

// "1113,1114" -> {1113, 1114}; nothing if any entry is not a port.
std::optional<std::set<std::uint16_t>> parse_ports(const std::string& text) {
  std::set<std::uint16_t> ports;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || value == 0 ||
        value > 65535) {
      return std::nullopt;
    }
    ports.insert(static_cast<std::uint16_t>(value));
    start = comma + 1;
  }
  return ports;
}

// "0e 01 04 00 01", "0e01040001" or "0x0e01..." -> bytes; nothing if not hex.
std::optional<std::vector<std::uint8_t>> parse_hex(std::string text) {
  if (text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0) text.erase(0, 2);
  std::string digits;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    digits.push_back(c);
  }
  if (digits.size() % 2 != 0) return std::nullopt;
  std::vector<std::uint8_t> bytes(digits.size() / 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::from_chars(digits.data() + 2 * i, digits.data() + 2 * i + 2, bytes[i], 16);
  }
  return bytes;
}

void show(const ltpdump::Record& record, bool json) {
  if (json) {
    std::cout << ltpdump::to_json(record).dump() << '\n';
  } else {
    std::cout << ltpdump::to_text(record) << '\n';
  }
}

int dump_capture(const std::string& path, std::set<std::uint16_t> ports, bool json) {
  std::string error;
  auto capture = ltpdump::UdpCapture::open(path, std::move(ports), error);
  if (!capture) {
    std::cerr << "ltpdump: cannot read capture '" << path << "': " << error
              << "\nCheck that the file exists, is readable and is a pcap or pcapng file.\n";
    return cli::kRuntimeFailure;
  }
  while (auto datagram = capture->next()) {
    show({datagram->frame, datagram->timestamp, datagram->source, datagram->destination,
          datagram->payload, datagram->problem},
         json);
  }
  if (!capture->read_error().empty()) {
    std::cerr << "ltpdump: error reading '" << path
              << "' (file damaged or cut short?): " << capture->read_error() << '\n';
    return cli::kRuntimeFailure;
  }
  return cli::kOk;
}

}  // namespace

int main(int argc, char** argv) {
  cxxopts::Options options("ltpdump",
                           "Show Licklider Transmission Protocol segments in a capture or in hex");
  options.custom_help("[--json] [--port P[,P...]] -r FILE | [--json] -x HEX");
  options.add_options()("r,read", "read segments from a pcap/pcapng capture FILE",
                        cxxopts::value<std::string>(), "FILE")(
      "x,hex", "decode the one segment given in HEX", cxxopts::value<std::string>(), "HEX")(
      "p,port", "UDP port(s) carrying LTP, comma-separated",
      cxxopts::value<std::string>()->default_value("1113"),
      "P[,P...]")("j,json", "print one JSON object per segment")("h,help", "show this help");

  const cli::ParsedCommandLine command_line = cli::parse(options, argc, argv);
  if (command_line.exit_now) return *command_line.exit_now;
  const cxxopts::ParseResult& args = command_line.args;
  const bool json = args.count("json") > 0;
  const bool from_file = args.count("read") > 0;
  const bool from_hex = args.count("hex") > 0;
  if (from_file == from_hex)
    return cli::usage_error(kProgram, "give exactly one of -r FILE or -x HEX");

  if (from_hex) {
    auto bytes = parse_hex(args["hex"].as<std::string>());
    if (!bytes)
      return cli::usage_error(kProgram, "-x needs an even number of hex digits (spaces allowed)");
    show({std::nullopt, std::nullopt, "", "", *bytes, ""}, json);
    return cli::kOk;
  }
  auto ports = parse_ports(args["port"].as<std::string>());
  if (!ports)
    return cli::usage_error(kProgram,
                            "--port needs port numbers 1-65535, comma-separated (e.g. 1113,1114)");
  return dump_capture(args["read"].as<std::string>(), *ports, json);
}
