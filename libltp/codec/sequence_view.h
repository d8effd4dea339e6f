// SequenceView<Item>: a non-owning, non-allocating list of claims or
// extensions.
//
// A decoded segment's claims and extensions stay in the datagram's bytes:
// the decoder validates them once and hands out a view that re-reads them
// on iteration (Item::read_validated), so decoding never allocates and
// never bounds the number of items. Code that builds a segment to encode
// points the same view at its own array of items instead. Used through
// the ClaimsView and ExtensionsView aliases (claims.h, extensions.h).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>

namespace ltp::codec {

template <class Item>
class SequenceView {
 public:
  class iterator {
   public:
    using value_type = Item;
    using difference_type = std::ptrdiff_t;

    iterator() = default;
    Item operator*() const { return current_; }
    iterator& operator++() {
      ++index_;
      load();
      return *this;
    }
    iterator operator++(int) {
      iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const iterator& other) const { return index_ == other.index_; }

   private:
    friend class SequenceView;
    iterator(const SequenceView* view, std::size_t index)
        : view_(view), index_(index), wire_pos_(view->wire_) {
      load();
    }
    void load() {
      if (index_ >= view_->count_) return;
      if (view_->items_ != nullptr) {
        current_ = view_->items_[index_];
      } else {
        current_ = Item::read_validated(wire_pos_);
      }
    }

    const SequenceView* view_ = nullptr;
    std::size_t index_ = 0;
    const std::uint8_t* wire_pos_ = nullptr;
    Item current_{};
  };

  SequenceView() = default;
  // A view of items built in memory (for encoding); the array must outlive
  // the view.
  SequenceView(std::span<const Item> items) : items_(items.data()), count_(items.size()) {}

  // A view of `count` items encoded in `wire`, already validated by the
  // decoder (only the decoder should call this).
  static SequenceView over_validated_wire(std::span<const std::uint8_t> wire, std::size_t count) {
    SequenceView view;
    view.wire_ = wire.data();
    view.count_ = count;
    return view;
  }

  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, count_); }

  friend bool operator==(const SequenceView& a, const SequenceView& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  const Item* items_ = nullptr;
  const std::uint8_t* wire_ = nullptr;
  std::size_t count_ = 0;
};

}  // namespace ltp::codec
