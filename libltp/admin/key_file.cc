#include "libltp/admin/key_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "libltp/db/security_records.h"

namespace ltp::admin {

namespace {

// Closes the descriptor on every way out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string errno_text(int error) { return std::generic_category().message(error); }

}  // namespace

KeyBytes& KeyBytes::operator=(KeyBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
  }
  return *this;
}

void KeyBytes::truncate(std::size_t size) {
  if (size >= bytes_.size()) return;
  ::explicit_bzero(bytes_.data() + size, bytes_.size() - size);
  bytes_.resize(size);
}

void KeyBytes::wipe() {
  // explicit_bzero: an ordinary memset of memory about to be freed may be
  // optimised away, leaving the key in the process's free heap.
  if (!bytes_.empty()) ::explicit_bzero(bytes_.data(), bytes_.size());
  bytes_.clear();
}

Result<KeyBytes, std::string> read_key_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  // O_NONBLOCK: a FIFO must not hang the tool before fstat() refuses it.
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    const int error = errno;
    return failure(fmt::format("cannot open the key file {}: {}", name, errno_text(error)));
  }
  // The checks are on the file opened, not on the name, so it cannot be
  // swapped between the check and the read.
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    const int error = errno;
    return failure(fmt::format("cannot stat the key file {}: {}", name, errno_text(error)));
  }
  if (!S_ISREG(st.st_mode)) {
    return failure(
        fmt::format("the key file {} is not a regular file: put the key in a file", name));
  }
  if ((st.st_mode & 077) != 0) {
    return failure(
        fmt::format("the key file {} can be read or written by others (mode {:04o}): chmod 600 {}",
                    name, st.st_mode & 07777, name));
  }
  if (st.st_size == 0) {
    return failure(fmt::format("the key file {} is empty: write the key's bytes into it", name));
  }
  if (static_cast<std::uint64_t>(st.st_size) > db::kMaxKeyBytes) {
    return failure(fmt::format("the key file {} holds {} bytes; a key is at most {} bytes", name,
                               st.st_size, db::kMaxKeyBytes));
  }
  // One byte more than the size, to notice a file that grew meanwhile.
  KeyBytes key(static_cast<std::size_t>(st.st_size) + 1);
  const auto buffer = key.writable();
  std::size_t got = 0;
  while (got < buffer.size()) {
    const ssize_t n = ::read(fd.get(), buffer.data() + got, buffer.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      return failure(fmt::format("cannot read the key file {}: {}", name, errno_text(error)));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got != static_cast<std::size_t>(st.st_size)) {
    return failure(fmt::format("the key file {} changed while it was read: try again", name));
  }
  key.truncate(got);
  return key;
}

}  // namespace ltp::admin
