// Result<T, E>: the project's way of returning errors as values.
//
// Every layer (ipc, codec, engine, APIs) returns Result instead of
// throwing across layer boundaries. It is Boost.Outcome's result with a
// policy that terminates on a wrong access (reading value() of a failure
// is a programming error, not a recoverable condition). Lives in ipc/
// because ipc/ is the bottom layer; it knows nothing of LTP.
//
//   Result<Segment, DecodeError> r = decode(bytes);
//   if (!r) log(r.error());
//   BOOST_OUTCOME_TRY(seg, decode(bytes));   // propagate the failure
#pragma once

#include <boost/outcome/result.hpp>
#include <boost/outcome/try.hpp>

namespace ltp {

namespace outcome = BOOST_OUTCOME_V2_NAMESPACE;

template <class T, class E>
using Result = outcome::result<T, E, outcome::policy::terminate>;

using outcome::failure;
using outcome::success;

}  // namespace ltp
