// The ionsecrc command language (ionsecadmin), the part LTP uses — named
// keys — as typed commands.
//
// parse() turns one tokenized line into a Command; IonsecrcAdmin
// (ionsecrc_admin.h) executes it. Key files are named here and read when
// the command is applied (key_file.h). ION's RSA public-key commands are
// accepted and ignored. See docs/config.md and ionsecrc(5).
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "ipc/result.h"
#include "libltp/admin/tokenizer.h"

namespace ltp::admin::ionsecrc {

// `1`: creates the security database.
struct Initialize {};
// `a key <name> <file>`
struct AddKey {
  std::string name;
  std::string file;
};
// `c key <name> <file>`
struct ChangeKey {
  std::string name;
  std::string file;
};
struct DeleteKey {
  std::string name;
};
struct InfoKey {
  std::string name;
};
struct ListKeys {};
// `a|c|d|i|l pubkey ...`: ION's RSA public keys, which no OpenLTP
// ciphersuite uses.
struct IgnoredPublicKey {
  std::string verb;
};
struct Echo {
  bool on;
};
struct Version {};
struct Help {};
struct Quit {};

using Command = std::variant<Initialize, AddKey, ChangeKey, DeleteKey, InfoKey, ListKeys,
                             IgnoredPublicKey, Echo, Version, Help, Quit>;

// `tokens` is a non-empty, non-comment line from tokenize().
Result<Command, std::string> parse(const Tokens& tokens);

std::string_view help_text();

}  // namespace ltp::admin::ionsecrc
