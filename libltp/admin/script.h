// Running admin command lines: one line, or a whole file, in one language.
//
// Called by LtprcAdmin and IonrcAdmin (and by the tools for interactive
// input). A line is tokenized, blank and comment lines are skipped, the
// rest goes to the language's executor, which parses it and applies it in
// one heap transaction. Every problem comes back as `FILE:LINE: reason`.
// A file stops at its first bad line (see docs/config.md for why we do not
// go on like ION) or at `q`.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/result.h"
#include "libltp/admin/actions.h"
#include "libltp/admin/tokenizer.h"

namespace ltp::admin {

struct Diagnostic {
  std::string file;
  std::size_t line = 0;
  std::string message;
  std::string to_string() const;  // FILE:LINE: message
};

using LineExecutor = std::function<Result<LineOutcome, std::string>(const Tokens&)>;

// Nothing (an empty outcome) for a blank or comment line.
Result<LineOutcome, Diagnostic> run_line(std::string_view file, std::size_t number,
                                         std::string_view text, const LineExecutor& execute);

// The outcomes of the lines that did something, in order; the first error
// ends the run (the lines before it stay applied, each was committed).
Result<std::vector<LineOutcome>, Diagnostic> run_script(std::string_view file, std::istream& in,
                                                        const LineExecutor& execute);
// run_script over the file at `path`; a file that cannot be opened is a
// Diagnostic at line 0.
Result<std::vector<LineOutcome>, Diagnostic> run_script_file(const std::filesystem::path& path,
                                                             const LineExecutor& execute);

// run_line / run_stream / run_file for a language's executor class, which
// provides `execute(const Tokens&)` (LtprcAdmin, IonrcAdmin, ...): one
// definition for every language.
template <class Language>
class ScriptRunner {
 public:
  Result<LineOutcome, Diagnostic> run_line(std::string_view file, std::size_t number,
                                           std::string_view text) {
    return admin::run_line(file, number, text, executor());
  }
  Result<std::vector<LineOutcome>, Diagnostic> run_stream(std::string_view file, std::istream& in) {
    return run_script(file, in, executor());
  }
  Result<std::vector<LineOutcome>, Diagnostic> run_file(const std::filesystem::path& path) {
    return run_script_file(path, executor());
  }

 private:
  LineExecutor executor() {
    return [this](const Tokens& t) { return static_cast<Language*>(this)->execute(t); };
  }
};

}  // namespace ltp::admin
