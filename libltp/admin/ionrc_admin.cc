#include "libltp/admin/ionrc_admin.h"

#include <fmt/format.h>

#include <chrono>

#include "libltp/admin/transact.h"
#include "libltp/admin/values.h"
#include "libltp/db/contact_plan_store.h"

namespace ltp::admin {

namespace {

std::string plan_message(db::PlanError e, const db::PlanSelector* which) {
  const std::string nodes =
      which ? fmt::format(" from node {} to node {}", which->from_node, which->to_node) : "";
  const std::string at =
      which && which->start_ms ? fmt::format(" starting {}", format_time(*which->start_ms)) : "";
  switch (e) {
    case db::PlanError::heap:
      return "the heap refused the change (full, or log full)";
    case db::PlanError::not_initialized:
      return "no node yet: the first ionrc command must be `1 <node number>`";
    case db::PlanError::wrong_format:
      return "the contact plan in this heap was written by another OpenLTP version; "
             "recreate the node";
    case db::PlanError::already_exists:
      return fmt::format("there is already one{}{}; use `c` to change it", nodes, at);
    case db::PlanError::no_such_contact:
      return fmt::format("no contact{}{} (`l contact` lists them)", nodes, at);
    case db::PlanError::no_such_range:
      return fmt::format("no range{}{} (`l range` lists them)", nodes, at);
  }
  return "unknown contact plan error";
}

template <class T>
Result<T, std::string> plan_ok(Result<T, db::PlanError> r,
                               const db::PlanSelector* which = nullptr) {
  if (!r) return failure(plan_message(r.error(), which));
  if constexpr (std::is_void_v<T>) {
    return success();
  } else {
    return std::move(r).value();
  }
}

template <class Record>
std::string describe_all(const std::vector<Record>& records, std::string_view none) {
  std::string text;
  for (const Record& r : records) text += describe(r) + "\n";
  return text.empty() ? std::string(none) : text;
}

// One call operator per ionrc command; each returns what the line produced.
class Applier {
 public:
  explicit Applier(ipc::Transaction& txn) : txn_(txn) {}
  using Out = Result<LineOutcome, std::string>;

  Out operator()(const ionrc::Initialize& c) {
    auto created = db::ContactPlanStore::create(txn_, c.node);
    if (!created && created.error() == db::PlanError::already_exists) {
      BOOST_OUTCOME_TRY(plan, store());
      return failure(
          fmt::format("the node is already initialized (node {}); `1` may be given only once",
                      plan.own_node(txn_)));
    }
    BOOST_OUTCOME_TRY(plan_ok(std::move(created)));
    return LineOutcome{};
  }
  Out operator()(const ionrc::Start&) { return LineOutcome{StartNode{}, {}}; }
  Out operator()(const ionrc::Stop&) { return LineOutcome{StopNode{}, {}}; }
  Out operator()(const ionrc::Quit&) { return LineOutcome{admin::Quit{}, {}}; }
  Out operator()(const ionrc::Ignored& c) { return LineOutcome{std::nullopt, c.note + "\n"}; }
  Out operator()(const ionrc::Version&) { return LineOutcome{ShowVersion{}, {}}; }
  // Handled by IonrcAdmin::execute, before any transaction.
  Out operator()(const ionrc::SetReferenceTime&) { return LineOutcome{}; }
  Out operator()(const ionrc::Help&) {
    return LineOutcome{std::nullopt, std::string(ionrc::help_text())};
  }
  Out operator()(const ionrc::SetHorizon& c) {
    BOOST_OUTCOME_TRY(plan, store());
    BOOST_OUTCOME_TRY(plan_ok(plan.set_horizon(txn_, c.unix_ms)));
    return LineOutcome{};
  }
  Out operator()(const ionrc::SetClockError& c) {
    BOOST_OUTCOME_TRY(plan, store());
    BOOST_OUTCOME_TRY(plan_ok(plan.set_clock_error(txn_, c.ms)));
    return LineOutcome{};
  }
  Out operator()(const ionrc::AddContact& c) {
    BOOST_OUTCOME_TRY(plan, store());
    const db::PlanSelector key{c.contact.from_node, c.contact.to_node, c.contact.start_ms};
    BOOST_OUTCOME_TRY(plan_ok(plan.add_contact(txn_, c.contact), &key));
    return LineOutcome{};
  }
  Out operator()(const ionrc::ChangeContact& c) {
    BOOST_OUTCOME_TRY(plan, store());
    BOOST_OUTCOME_TRY(plan_ok(plan.change_contact(txn_, c.which, c.rate, c.confidence), &c.which));
    return LineOutcome{};
  }
  Out operator()(const ionrc::DeleteContact& c) {
    BOOST_OUTCOME_TRY(plan, store());
    BOOST_OUTCOME_TRY(plan_ok(plan.delete_contacts(txn_, c.which), &c.which));
    return LineOutcome{};
  }
  Out operator()(const ionrc::InfoContact& c) {
    BOOST_OUTCOME_TRY(plan, store());
    const auto found = db::select_contacts(plan.load(txn_), c.which);
    if (found.empty()) return failure(plan_message(db::PlanError::no_such_contact, &c.which));
    return LineOutcome{std::nullopt, describe_all(found, "")};
  }
  Out operator()(const ionrc::ListContacts&) {
    BOOST_OUTCOME_TRY(plan, store());
    return LineOutcome{std::nullopt, describe_all(plan.load(txn_).contacts, "no contacts\n")};
  }
  Out operator()(const ionrc::AddRange& c) {
    BOOST_OUTCOME_TRY(plan, store());
    const db::PlanSelector key{c.range.node_a, c.range.node_b, c.range.start_ms};
    BOOST_OUTCOME_TRY(plan_ok(plan.add_range(txn_, c.range), &key));
    return LineOutcome{};
  }
  Out operator()(const ionrc::ChangeRange& c) {
    BOOST_OUTCOME_TRY(plan, store());
    BOOST_OUTCOME_TRY(plan_ok(plan.change_range(txn_, c.which, c.owlt_ms), &c.which));
    return LineOutcome{};
  }
  Out operator()(const ionrc::DeleteRange& c) {
    BOOST_OUTCOME_TRY(plan, store());
    BOOST_OUTCOME_TRY(plan_ok(plan.delete_ranges(txn_, c.which), &c.which));
    return LineOutcome{};
  }
  Out operator()(const ionrc::InfoRange& c) {
    BOOST_OUTCOME_TRY(plan, store());
    const auto found = db::select_ranges(plan.load(txn_), c.which);
    if (found.empty()) return failure(plan_message(db::PlanError::no_such_range, &c.which));
    return LineOutcome{std::nullopt, describe_all(found, "")};
  }
  Out operator()(const ionrc::ListRanges&) {
    BOOST_OUTCOME_TRY(plan, store());
    return LineOutcome{std::nullopt, describe_all(plan.load(txn_).ranges, "no ranges\n")};
  }

 private:
  Result<db::ContactPlanStore, std::string> store() const {
    return plan_ok(db::ContactPlanStore::open(txn_));
  }

  ipc::Transaction& txn_;
};

}  // namespace

std::uint64_t system_now_ms() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

std::string describe(const db::Contact& c) {
  return fmt::format("From {} until {}, {} to {} is up at {} bytes/s, confidence {}",
                     format_time(c.start_ms), format_time(c.end_ms), c.from_node, c.to_node, c.rate,
                     c.confidence);
}

std::string describe(const db::Range& r) {
  return fmt::format("From {} until {}, the OWLT between {} and {} is {} s",
                     format_time(r.start_ms), format_time(r.end_ms), r.node_a, r.node_b,
                     format_seconds(r.owlt_ms));
}

Result<LineOutcome, std::string> IonrcAdmin::apply(ipc::Transaction& txn,
                                                   const ionrc::Command& command) {
  return std::visit(Applier(txn), command);
}

Result<LineOutcome, std::string> IonrcAdmin::execute(const Tokens& tokens) {
  BOOST_OUTCOME_TRY(command, ionrc::parse(tokens, reference_ms_.value_or(clock_())));
  if (const auto* at = std::get_if<ionrc::SetReferenceTime>(&command)) {
    reference_ms_ = at->unix_ms.value_or(clock_());
    return LineOutcome{};
  }
  return in_transaction(heap_, [&](ipc::Transaction& txn) { return apply(txn, command); });
}

}  // namespace ltp::admin
