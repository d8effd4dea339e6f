#include <fmt/format.h>

#include "libltp/admin/command_words.h"
#include "libltp/admin/ionsecrc_commands.h"

namespace ltp::admin::ionsecrc {

namespace {

Result<Command, std::string> parse_key(const Tokens& t) {
  const std::string& verb = t[0];
  if (verb == "l") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 2, 2, "l key"));
    return Command{ListKeys{}};
  }
  if (verb == "a" || verb == "c") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 4, 4, fmt::format("{} key <key name> <file name>", verb)));
    BOOST_OUTCOME_TRY(check_key_name(t[2]));
    if (t[3].empty()) return failure(std::string("the key file name is empty"));
    if (verb == "a") return Command{AddKey{t[2], t[3]}};
    return Command{ChangeKey{t[2], t[3]}};
  }
  BOOST_OUTCOME_TRY(expect_tokens(t, 3, 3, fmt::format("{} key <key name>", verb)));
  BOOST_OUTCOME_TRY(check_key_name(t[2]));
  if (verb == "d") return Command{DeleteKey{t[2]}};
  return Command{InfoKey{t[2]}};
}

}  // namespace

Result<Command, std::string> parse(const Tokens& t) {
  const std::string& verb = t[0];
  const bool table_verb = verb == "a" || verb == "c" || verb == "d" || verb == "i" || verb == "l";
  if (table_verb && t.size() >= 2 && t[1] == "key") return parse_key(t);
  // Any arguments: an ION file's public keys are skipped, not checked.
  if (table_verb && t.size() >= 2 && t[1] == "pubkey") return Command{IgnoredPublicKey{verb}};
  if (verb == "e") {
    BOOST_OUTCOME_TRY(on, parse_echo(t));
    return Command{Echo{on}};
  }
  const bool single = verb == "1" || verb == "v" || verb == "h" || verb == "?" || verb == "q";
  if (!single) return failure(unknown_command(t, "ionsecrc"));
  BOOST_OUTCOME_TRY(expect_tokens(t, 1, 1, verb));
  if (verb == "1") return Command{Initialize{}};
  if (verb == "v") return Command{Version{}};
  if (verb == "q") return Command{Quit{}};
  return Command{Help{}};
}

std::string_view help_text() {
  return "ionsecrc commands (named keys, for ltpsecrc's rules):\n"
         "  1                          create the security database\n"
         "  a key <key name> <file>    add a key; its value is the file's bytes\n"
         "  c key <key name> <file>    change a key's value\n"
         "  d key <key name>           delete a key (no rule may use it)\n"
         "  i key <key name>           show a key's length\n"
         "  l key                      list the keys and their lengths\n"
         "  a|c|d|i|l pubkey ...       accepted and ignored (RSA keys are not used)\n"
         "  e {0|1}   echo    v   version    h, ?   this help    q   quit    # comment\n"
         "  key files: regular, mode 600 (chmod 600 FILE), 1 to 256 bytes\n";
}

}  // namespace ltp::admin::ionsecrc
