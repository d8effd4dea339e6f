// ContactPlanStore: the node's contact plan and ionrc node settings,
// persistent in the SDR heap under the root "contactplan".
//
// IonrcAdmin writes it (`1`, `m horizon|clockerr`, `a|c|d contact|range`);
// LtprcAdmin reads the own node number from it; the future ltpclock loads
// it (load()) and asks contact_plan.h what each link is doing. Every
// method takes the caller's open Transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ipc/plist.h"
#include "ipc/result.h"
#include "ipc/transaction.h"
#include "libltp/db/contact_plan.h"

namespace ltp::db {

inline constexpr char kContactPlanRootName[] = "contactplan";
inline constexpr std::uint64_t kContactPlanFormatVersion = 1;

enum class PlanError {
  heap,             // the heap refused; transaction doomed
  not_initialized,  // no `1 <node_nbr>` yet
  wrong_format,     // written by another contact plan format version
  already_exists,   // node, or a contact/range with that start and nodes
  no_such_contact,
  no_such_range,
};

struct ContactPlanRoot {
  std::uint64_t format_version;
  std::uint64_t own_node;
  std::uint64_t horizon_ms;      // `m horizon`; unix ms, 0 = none
  std::uint64_t clock_error_ms;  // `m clockerr`
  ipc::Addr contacts;            // PList of Addr -> Contact
  ipc::Addr ranges;              // PList of Addr -> Range
};

// Which entries a `d`/`i` command means: its start time, or all (`*`).
struct PlanSelector {
  std::uint64_t from_node;  // contact's from node / range's node a
  std::uint64_t to_node;    // contact's to node / range's node b (either order)
  std::optional<std::uint64_t> start_ms;
};

class ContactPlanStore {
 public:
  static Result<ContactPlanStore, PlanError> create(ipc::Transaction& txn, std::uint64_t own_node);
  static Result<ContactPlanStore, PlanError> open(const ipc::Transaction& txn);

  const ContactPlanRoot& root(const ipc::Transaction& txn) const {
    return *txn.get<ContactPlanRoot>(root_);
  }
  std::uint64_t own_node(const ipc::Transaction& txn) const { return root(txn).own_node; }
  Result<void, PlanError> set_horizon(ipc::Transaction& txn, std::uint64_t unix_ms);
  Result<void, PlanError> set_clock_error(ipc::Transaction& txn, std::uint64_t ms);

  Result<void, PlanError> add_contact(ipc::Transaction& txn, const Contact& contact);
  // Sets rate and confidence of the contact selected (start required).
  Result<void, PlanError> change_contact(ipc::Transaction& txn, const PlanSelector& which,
                                         std::uint64_t rate, double confidence);
  // Returns how many went; none is no_such_contact.
  Result<std::uint64_t, PlanError> delete_contacts(ipc::Transaction& txn,
                                                   const PlanSelector& which);

  Result<void, PlanError> add_range(ipc::Transaction& txn, const Range& range);
  Result<void, PlanError> change_range(ipc::Transaction& txn, const PlanSelector& which,
                                       std::uint64_t owlt_ms);
  Result<std::uint64_t, PlanError> delete_ranges(ipc::Transaction& txn, const PlanSelector& which);

  // Everything, each kind in start-time order.
  ContactPlan load(const ipc::Transaction& txn) const;

 private:
  explicit ContactPlanStore(ipc::Addr root) : root_(root) {}
  ipc::Addr root_;
};

// The entries `which` selects (for `i contact`, `i range`).
std::vector<Contact> select_contacts(const ContactPlan& plan, const PlanSelector& which);
std::vector<Range> select_ranges(const ContactPlan& plan, const PlanSelector& which);

}  // namespace ltp::db
