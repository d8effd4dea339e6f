#include "libltp/db/contact_plan_store.h"

#include <algorithm>
#include <vector>

namespace ltp::db {

namespace {

using ipc::Addr;
using ipc::PList;
using ipc::Transaction;

bool selects(const PlanSelector& s, const Contact& c) {
  return c.from_node == s.from_node && c.to_node == s.to_node &&
         (!s.start_ms || *s.start_ms == c.start_ms);
}

// A range is the same in either direction.
bool selects(const PlanSelector& s, const Range& r) {
  const bool nodes = (r.node_a == s.from_node && r.node_b == s.to_node) ||
                     (r.node_a == s.to_node && r.node_b == s.from_node);
  return nodes && (!s.start_ms || *s.start_ms == r.start_ms);
}

PlanSelector key_of(const Contact& c) { return {c.from_node, c.to_node, c.start_ms}; }
PlanSelector key_of(const Range& r) { return {r.node_a, r.node_b, r.start_ms}; }

// The contacts and the ranges are two tables of the same shape: a PList
// of addresses of plain records. These work on either.
template <class Record>
class Table {
 public:
  Table(Transaction& txn, Addr list) : txn_(txn), list_(PList::open(txn, list).value()) {}

  std::vector<Addr> find(const PlanSelector& which) const {
    std::vector<Addr> nodes;
    for (Addr n = list_.first(txn_); n != ipc::kNullAddr; n = list_.next(txn_, n)) {
      if (selects(which, record(n))) nodes.push_back(n);
    }
    return nodes;
  }

  Result<void, PlanError> add(const Record& r) {
    if (!find(key_of(r)).empty()) return failure(PlanError::already_exists);
    auto object = txn_.alloc(sizeof(Record));
    if (!object || !txn_.put(object.value(), r) || !list_.push_back(txn_, object.value())) {
      return failure(PlanError::heap);
    }
    return success();
  }

  template <class Change>
  Result<void, PlanError> change(const PlanSelector& which, PlanError missing, Change&& change) {
    const auto nodes = find(which);
    if (nodes.empty()) return failure(missing);
    for (Addr n : nodes) {
      Record r = record(n);
      change(r);
      if (!txn_.put(address(n), r)) return failure(PlanError::heap);
    }
    return success();
  }

  Result<std::uint64_t, PlanError> erase(const PlanSelector& which, PlanError missing) {
    const auto nodes = find(which);
    if (nodes.empty()) return failure(missing);
    for (Addr n : nodes) {
      if (!txn_.free(address(n)) || !list_.erase(txn_, n)) return failure(PlanError::heap);
    }
    return nodes.size();
  }

 private:
  Addr address(Addr node) const { return list_.value(txn_, node); }
  const Record& record(Addr node) const { return *txn_.get<Record>(address(node)); }

  Transaction& txn_;
  PList list_;
};

template <class Record>
std::vector<Record> read_all(const Transaction& txn, Addr list_header) {
  const PList list = PList::open(txn, list_header).value();
  std::vector<Record> records;
  for (Addr n = list.first(txn); n != ipc::kNullAddr; n = list.next(txn, n)) {
    records.push_back(*txn.get<Record>(list.value(txn, n)));
  }
  std::stable_sort(records.begin(), records.end(),
                   [](const Record& x, const Record& y) { return x.start_ms < y.start_ms; });
  return records;
}

template <class Record>
std::vector<Record> select(const std::vector<Record>& all, const PlanSelector& which) {
  std::vector<Record> out;
  std::copy_if(all.begin(), all.end(), std::back_inserter(out),
               [&](const Record& r) { return selects(which, r); });
  return out;
}

}  // namespace

Result<ContactPlanStore, PlanError> ContactPlanStore::create(Transaction& txn,
                                                             std::uint64_t own_node) {
  if (txn.root(kContactPlanRootName)) return failure(PlanError::already_exists);
  auto root = txn.alloc(sizeof(ContactPlanRoot));
  auto contacts = PList::create(txn);
  auto ranges = PList::create(txn);
  if (!root || !contacts || !ranges) return failure(PlanError::heap);
  const ContactPlanRoot value{kContactPlanFormatVersion, own_node, 0, 0, contacts.value().header(),
                              ranges.value().header()};
  if (!txn.put(root.value(), value) || !txn.set_root(kContactPlanRootName, root.value())) {
    return failure(PlanError::heap);
  }
  return ContactPlanStore(root.value());
}

Result<ContactPlanStore, PlanError> ContactPlanStore::open(const Transaction& txn) {
  auto root = txn.root(kContactPlanRootName);
  if (!root) return failure(PlanError::not_initialized);
  if (txn.get<ContactPlanRoot>(root.value())->format_version != kContactPlanFormatVersion) {
    return failure(PlanError::wrong_format);
  }
  return ContactPlanStore(root.value());
}

Result<void, PlanError> ContactPlanStore::set_horizon(Transaction& txn, std::uint64_t unix_ms) {
  ContactPlanRoot r = root(txn);
  r.horizon_ms = unix_ms;
  if (!txn.put(root_, r)) return failure(PlanError::heap);
  return success();
}

Result<void, PlanError> ContactPlanStore::set_clock_error(Transaction& txn, std::uint64_t ms) {
  ContactPlanRoot r = root(txn);
  r.clock_error_ms = ms;
  if (!txn.put(root_, r)) return failure(PlanError::heap);
  return success();
}

Result<void, PlanError> ContactPlanStore::add_contact(Transaction& txn, const Contact& contact) {
  return Table<Contact>(txn, root(txn).contacts).add(contact);
}

Result<void, PlanError> ContactPlanStore::change_contact(Transaction& txn,
                                                         const PlanSelector& which,
                                                         std::uint64_t rate, double confidence) {
  return Table<Contact>(txn, root(txn).contacts)
      .change(which, PlanError::no_such_contact, [&](Contact& c) {
        c.rate = rate;
        c.confidence = confidence;
      });
}

Result<std::uint64_t, PlanError> ContactPlanStore::delete_contacts(Transaction& txn,
                                                                   const PlanSelector& which) {
  return Table<Contact>(txn, root(txn).contacts).erase(which, PlanError::no_such_contact);
}

Result<void, PlanError> ContactPlanStore::add_range(Transaction& txn, const Range& range) {
  return Table<Range>(txn, root(txn).ranges).add(range);
}

Result<void, PlanError> ContactPlanStore::change_range(Transaction& txn, const PlanSelector& which,
                                                       std::uint64_t owlt_ms) {
  return Table<Range>(txn, root(txn).ranges).change(which, PlanError::no_such_range, [&](Range& r) {
    r.owlt_ms = owlt_ms;
  });
}

Result<std::uint64_t, PlanError> ContactPlanStore::delete_ranges(Transaction& txn,
                                                                 const PlanSelector& which) {
  return Table<Range>(txn, root(txn).ranges).erase(which, PlanError::no_such_range);
}

ContactPlan ContactPlanStore::load(const Transaction& txn) const {
  return ContactPlan{read_all<Contact>(txn, root(txn).contacts),
                     read_all<Range>(txn, root(txn).ranges)};
}

std::vector<Contact> select_contacts(const ContactPlan& plan, const PlanSelector& which) {
  return select(plan.contacts, which);
}

std::vector<Range> select_ranges(const ContactPlan& plan, const PlanSelector& which) {
  return select(plan.ranges, which);
}

}  // namespace ltp::db
