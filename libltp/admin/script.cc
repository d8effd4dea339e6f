#include "libltp/admin/script.h"

#include <fmt/format.h>

#include <fstream>

#include "libltp/admin/line_reader.h"

namespace ltp::admin {

std::string Diagnostic::to_string() const { return fmt::format("{}:{}: {}", file, line, message); }

Result<LineOutcome, Diagnostic> run_line(std::string_view file, std::size_t number,
                                         std::string_view text, const LineExecutor& execute) {
  const auto fail = [&](std::string message) {
    return failure(Diagnostic{std::string(file), number, std::move(message)});
  };
  auto tokens = tokenize(text);
  if (!tokens) return fail(std::move(tokens).error());
  if (tokens.value().empty()) return LineOutcome{};
  auto outcome = execute(tokens.value());
  if (!outcome) return fail(std::move(outcome).error());
  return std::move(outcome).value();
}

Result<std::vector<LineOutcome>, Diagnostic> run_script(std::string_view file, std::istream& in,
                                                        const LineExecutor& execute) {
  std::vector<LineOutcome> outcomes;
  std::string text;
  LineReader reader(in);
  for (;;) {
    const auto read = reader.next(text);
    if (read == LineReader::Read::end) break;
    if (read == LineReader::Read::too_long) {
      return failure(Diagnostic{std::string(file), reader.number(), too_long_message()});
    }
    BOOST_OUTCOME_TRY(outcome, run_line(file, reader.number(), text, execute));
    if (!outcome.action && outcome.text.empty()) continue;
    const bool quit = outcome.action && std::holds_alternative<Quit>(*outcome.action);
    outcomes.push_back(std::move(outcome));
    if (quit) break;
  }
  return outcomes;
}

Result<std::vector<LineOutcome>, Diagnostic> run_script_file(const std::filesystem::path& path,
                                                             const LineExecutor& execute) {
  std::ifstream in(path);
  if (!in) return failure(Diagnostic{path.string(), 0, "cannot open the file"});
  return run_script(path.string(), in, execute);
}

}  // namespace ltp::admin
