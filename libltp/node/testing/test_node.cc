#include "libltp/node/testing/test_node.h"
#include "ipc/heap.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "libltp/admin/ionrc_admin.h"
#include "libltp/admin/ionsecrc_admin.h"
#include "libltp/admin/ltprc_admin.h"
#include "libltp/admin/ltpsecrc_admin.h"

namespace ltp::node::testing {

TestNode::TestNode()
    : dir_(std::make_unique<ipc::NodeDir>(ipc::NodeDir::at(temp_.path()).value())) {}

TestNode::~TestNode() { (void)stop_node(*dir_); }

std::string TestNode::configure(std::string_view ionrc, std::string_view ltprc) {
  if (auto made = ensure_heap(*dir_); !made) return made.error().message;
  auto heap = ipc::Heap::attach(dir_->heap_path());
  if (!heap) return "cannot attach the heap";
  if (!ionrc.empty()) {
    std::istringstream in{std::string(ionrc)};
    if (auto ran = admin::IonrcAdmin(*heap.value()).run_stream("ionrc", in); !ran) {
      return ran.error().to_string();
    }
  }
  std::istringstream in{std::string(ltprc)};
  if (auto ran = admin::LtprcAdmin(*heap.value()).run_stream("ltprc", in); !ran) {
    return ran.error().to_string();
  }
  return {};
}

std::string TestNode::configure_security(std::string_view ionsecrc, std::string_view ltpsecrc) {
  if (auto made = ensure_heap(*dir_); !made) return made.error().message;
  auto heap = ipc::Heap::attach(dir_->heap_path());
  if (!heap) return "cannot attach the heap";
  std::istringstream keys{std::string(ionsecrc)};
  if (auto ran = admin::IonsecrcAdmin(*heap.value()).run_stream("ionsecrc", keys); !ran) {
    return ran.error().to_string();
  }
  std::istringstream rules{std::string(ltpsecrc)};
  if (auto ran = admin::LtpsecrcAdmin(*heap.value()).run_stream("ltpsecrc", rules); !ran) {
    return ran.error().to_string();
  }
  return {};
}

std::string TestNode::start() {
  auto started = start_node(*dir_);
  return started ? std::string() : started.error().message + "\n" + log();
}

std::string TestNode::stop() {
  auto stopped = stop_node(*dir_);
  return stopped ? std::string() : stopped.error().message;
}

std::unique_ptr<Node> TestNode::attach() {
  auto node = Node::attach(*dir_);
  return node ? std::move(node).value() : nullptr;
}

std::string TestNode::log() const {
  std::ifstream in(dir_->log_path());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int free_udp_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace ltp::node::testing
