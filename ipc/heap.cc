#include "ipc/heap.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/interprocess/file_mapping.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <random>

#include "ipc/allocator.h"
#include "ipc/transaction.h"
#include "ipc/txn_state.h"

namespace ltp::ipc {
namespace {

namespace bip = boost::interprocess;

constexpr std::uint64_t kPage = 4096;
constexpr std::uint64_t kMinLog = 64 * 1024;
constexpr std::uint64_t kMinArena = 64 * 1024;

constexpr std::uint64_t round_up(std::uint64_t n, std::uint64_t to) {
  return (n + to - 1) / to * to;
}

Addr writable_begin() { return offsetof(format::HeapHeader, alloc); }

// Header checks that need only the header bytes and the file's size; run
// before anything is mapped so garbage is never used as geometry.
Result<void, HeapError> validate_header(const format::HeapHeader& h, std::uint64_t file_bytes) {
  if (std::memcmp(h.magic, format::kMagic, sizeof h.magic) != 0) {
    return failure(HeapError::bad_magic);
  }
  if (h.version != format::kVersion) return failure(HeapError::bad_version);
  if (h.geometry_checksum != format::geometry_checksum(h)) {
    return failure(HeapError::bad_geometry);
  }
  if (file_bytes < h.file_size) return failure(HeapError::truncated);
  const bool ok = h.header_bytes == format::kHeaderBytes && h.file_size == file_bytes &&
                  h.log_offset == format::kHeaderBytes && h.log_size >= kMinLog &&
                  h.log_size % kPage == 0 && h.arena_offset == h.log_offset + h.log_size &&
                  h.arena_size >= kMinArena && h.arena_size % format::kBlockAlign == 0 &&
                  h.arena_offset <= h.file_size && h.arena_size == h.file_size - h.arena_offset;
  if (!ok) return failure(HeapError::bad_geometry);
  return success();
}

// MADV_POPULATE_WRITE (Linux 5.14); older headers lack the name.
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

void prefault_pages(std::byte* base, std::uint64_t size) {
  const auto start = std::chrono::steady_clock::now();
  if (::madvise(base, size, MADV_POPULATE_WRITE) != 0) {
    spdlog::debug("heap pages not prefaulted: {}", std::strerror(errno));
    return;
  }
  spdlog::debug("heap pages mapped: {} MiB in {} ms", size >> 20,
                std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count());
}

}  // namespace

std::uint64_t format::geometry_checksum(const HeapHeader& h) {
  const std::uint64_t fields[] = {h.version,    h.header_bytes, h.file_size,
                                  h.log_offset, h.log_size,     h.arena_offset,
                                  h.arena_size, h.identity,     h.created_unix_seconds};
  std::uint64_t sum = 0x6f6c7470;  // "oltp"
  for (std::uint64_t f : fields) sum = (sum ^ f) * 0x100000001b3ULL + (sum >> 29);
  return sum;
}

Result<void, HeapError> Heap::create(const std::filesystem::path& file,
                                     const HeapCreateOptions& options) {
  const std::uint64_t log_size = round_up(options.log_size, kPage);
  const std::uint64_t size = round_up(options.size, kPage);
  if (log_size < kMinLog || size < format::kHeaderBytes + log_size + kMinArena) {
    return failure(HeapError::bad_options);
  }
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) return failure(HeapError::heap_exists);

  // Build the file under a temporary name and rename it into place, so a
  // crash during create never leaves a half-formatted heap at `file`.
  const std::filesystem::path tmp = file.string() + ".creating";
  std::filesystem::remove(tmp, ec);
  const mode_t mode = options.group_access ? 0660 : 0600;
  const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    spdlog::error("cannot create {}: {}", tmp.string(), std::strerror(errno));
    return failure(HeapError::io_error);
  }
  // The umask may have stripped bits from `mode`; fchmod is exact.
  // The file's blocks are reserved now, not at the first write to each
  // page: a sparse heap on a full disk would kill the writer with SIGBUS
  // mid-transaction, and allocating blocks at fault time makes first writes
  // several times slower.
  if (::fchmod(fd, mode) != 0) {
    spdlog::error("cannot set the mode of {}: {}", tmp.string(), std::strerror(errno));
    ::close(fd);
    std::filesystem::remove(tmp, ec);
    return failure(HeapError::io_error);
  }
  if (const int err = ::posix_fallocate(fd, 0, static_cast<off_t>(size)); err != 0) {
    spdlog::error("cannot reserve {} bytes for {}: {}", size, tmp.string(), std::strerror(err));
    ::close(fd);
    std::filesystem::remove(tmp, ec);
    return failure(HeapError::io_error);
  }
  {
    bip::file_mapping mapping(tmp.c_str(), bip::read_write);
    bip::mapped_region region(mapping, bip::read_write, 0, size);
    auto* base = static_cast<std::byte*>(region.get_address());
    auto* h = reinterpret_cast<format::HeapHeader*>(base);
    std::memcpy(h->magic, format::kMagic, sizeof h->magic);
    h->version = format::kVersion;
    h->header_bytes = format::kHeaderBytes;
    h->file_size = size;
    h->log_offset = format::kHeaderBytes;
    h->log_size = log_size;
    h->arena_offset = h->log_offset + log_size;
    h->arena_size = size - h->arena_offset;
    h->identity = std::random_device{}() | (std::uint64_t{std::random_device{}()} << 32);
    h->created_unix_seconds = static_cast<std::uint64_t>(std::time(nullptr));
    h->geometry_checksum = format::geometry_checksum(*h);
    detail::format_arena(base, *h);
    region.flush(0, size, /*async=*/false);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    std::filesystem::remove(tmp, ec);
    return failure(HeapError::io_error);
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return failure(HeapError::io_error);
  }
  return success();
}

Result<std::unique_ptr<Heap>, HeapError> Heap::attach(const std::filesystem::path& file,
                                                      const HeapAttachOptions& options) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return failure(HeapError::heap_missing);
    spdlog::error("cannot open {}: {}", file.string(), std::strerror(err));
    return failure(HeapError::io_error);
  }
  std::unique_ptr<Heap> heap(new Heap());
  heap->fd_ = fd;  // closed by ~Heap from here on
  heap->path_ = file;
  heap->durable_ = options.durable;

  struct stat st {};
  if (::fstat(fd, &st) != 0) return failure(HeapError::io_error);
  const auto file_bytes = static_cast<std::uint64_t>(st.st_size);
  if (file_bytes < sizeof(format::HeapHeader)) {
    return failure(file_bytes < sizeof format::kMagic ? HeapError::bad_magic
                                                      : HeapError::truncated);
  }
  format::HeapHeader probe{};
  if (::pread(fd, &probe, sizeof probe, 0) != static_cast<ssize_t>(sizeof probe)) {
    return failure(HeapError::io_error);
  }
  BOOST_OUTCOME_TRY(validate_header(probe, file_bytes));

  try {
    bip::file_mapping mapping(file.c_str(), bip::read_write);
    heap->region_ =
        std::make_unique<bip::mapped_region>(mapping, bip::read_write, 0, probe.file_size);
  } catch (const bip::interprocess_exception& e) {
    spdlog::error("cannot map {}: {}", file.string(), e.what());
    return failure(HeapError::io_error);
  }
  heap->base_ = static_cast<std::byte*>(heap->region_->get_address());
  heap->size_ = probe.file_size;
  heap->header_ = reinterpret_cast<format::HeapHeader*>(heap->base_);
  // Re-validate the mapped copy: the file may have changed since pread.
  BOOST_OUTCOME_TRY(validate_header(*heap->header_, file_bytes));
  heap->txn_ = std::make_unique<TxnState>(fd, heap->header_->txn_mutex);
  if (!heap->txn_->lock.attach()) {
    spdlog::error("cannot lock {}: {}", file.string(), std::strerror(errno));
    return failure(HeapError::io_error);
  }
  heap->txn_->log = UndoLog(heap->base_, heap->header_->log_offset, heap->header_->log_size,
                            writable_begin(), heap->size_);
  // Taking the lock once runs recovery if a process died mid-transaction.
  BOOST_OUTCOME_TRY(txn, heap->begin());
  BOOST_OUTCOME_TRY(txn.commit());
  if (options.prefault) {
    heap->prefault_ = std::thread(prefault_pages, heap->base_, heap->size_);
  }
  return heap;
}

void Heap::finish_prefault() {
  if (prefault_.joinable()) prefault_.join();
}

Heap::~Heap() {
  finish_prefault();  // before the mapping goes
  txn_.reset();
  region_.reset();
  if (fd_ >= 0) ::close(fd_);
}

Result<void, HeapError> Heap::lock_and_recover() {
  TxnState& s = *txn_;
  const HeapLock::Acquired acquired = s.lock.lock();
  if (acquired == HeapLock::Acquired::failed) {
    spdlog::error("cannot lock {}: {}", path_.string(), std::strerror(errno));
    return failure(HeapError::io_error);
  }
  if (acquired == HeapLock::Acquired::previous_owner_died) {
    spdlog::warn("{}: previous lock holder died", path_.string());
  }
  s.owner.store(std::this_thread::get_id(), std::memory_order_relaxed);
  s.depth = 1;
  s.reset();
  if (!s.log.empty()) {
    // The previous holder died between begin and commit; its pre-images
    // put the heap back as it was before that transaction.
    const auto restored = s.log.rollback();
    if (!restored) {
      s.owner.store(std::thread::id{}, std::memory_order_relaxed);
      s.depth = 0;
      s.lock.unlock();
      spdlog::error("undo log of {} is corrupt; restore the heap file or re-create the node",
                    path_.string());
      return failure(HeapError::bad_geometry);
    }
    recovered_entries_ += *restored;
    if (durable_) ::msync(base_, size_, MS_SYNC);
    spdlog::warn("{}: rolled back an interrupted transaction ({} pre-images)", path_.string(),
                 *restored);
  }
  return success();
}

Result<Transaction, HeapError> Heap::begin() {
  if (txn_->owner.load(std::memory_order_relaxed) == std::this_thread::get_id()) {
    ++txn_->depth;
    return Transaction(this, /*outermost=*/false);
  }
  BOOST_OUTCOME_TRY(lock_and_recover());
  return Transaction(this, /*outermost=*/true);
}

}  // namespace ltp::ipc
