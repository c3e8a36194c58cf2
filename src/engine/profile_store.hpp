// profile_store.hpp (engine-private): the profiles of one engine shard, stored compactly.
//
// Why: with std::unordered_map<std::string, Profile> a customer cost a 576-byte node (512-byte
// Profile, std::string key, hash, next pointer, malloc header) plus a bucket. Here:
//   - a detail::FlatIdMap of records: 24 bytes of hash and id (inline up to 19 bytes, else on the
//     heap), the ProfileCore (344 bytes) with the number of an out-of-line "behaviour" record;
//   - the session-behaviour detectors (hesitation 56 + engagement 112 bytes) out of line, only for
//     customers whose detectors are not in their initial state (customers with events);
//   - an open-addressing index: ~8 bytes per customer.
// Access: open()/create() return a Ref, a full Profile copied out of the store and written back
// when the Ref goes out of scope (also when an exception leaves the scope: the engine's calls
// restore their `before` copy into it on errors, as they did when profiles were updated in
// place). Writing back never allocates (a behaviour record is reserved when the Ref is made), so
// it cannot fail.
// Thread-safety: none; the engine holds the shard's mutex around every use. A Ref must not
// outlive the erase of its customer (call discard() first) nor another Ref of the same customer.
#pragma once

#include "attune/detail/flat_id_map.hpp"
#include "attune/profile/profile.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

namespace attune::engine_detail {

class ProfileStore {
  struct Behaviour {
    behavior::HesitationDetector hesitation;
    behavior::EngagementMonitor engagement;
  };
  // Derived rather than holding a ProfileCore member: ProfileCore is not a POD, so the Itanium
  // C++ ABI places `behaviour` in its 6 bytes of tail padding (344 bytes, not 352).
  struct Record : profile::ProfileCore {
    uint32_t behaviour = 0;  // 0: detectors in their initial state; else index + 1 in behaviours_
  };

 public:
  class Ref {
   public:
    Ref() = default;
    Ref(Ref&& o) noexcept : store_(o.store_), record_(o.record_), profile_(o.profile_) { o.record_ = nullptr; }
    Ref& operator=(Ref&& o) noexcept {
      if (this != &o) {
        if (record_) store_->write_back(*record_, profile_);
        store_ = o.store_;
        record_ = o.record_;
        profile_ = o.profile_;
        o.record_ = nullptr;
      }
      return *this;
    }
    Ref(const Ref&) = delete;
    ~Ref() {
      if (record_) store_->write_back(*record_, profile_);
    }
    explicit operator bool() const noexcept { return record_ != nullptr; }
    profile::Profile& operator*() noexcept { return profile_; }
    profile::Profile* operator->() noexcept { return &profile_; }
    profile::Profile* get() noexcept { return record_ ? &profile_ : nullptr; }
    /// Drop the copy without writing it back (before erasing the customer).
    void discard() noexcept { record_ = nullptr; }

   private:
    friend class ProfileStore;
    ProfileStore* store_ = nullptr;
    Record* record_ = nullptr;
    profile::Profile profile_;
  };

  /// The customer's profile, or an empty Ref when unknown.
  Ref open(std::string_view id);
  /// Inserts `initial` for a new customer (the caller checked it is absent) and opens it.
  Ref create(std::string_view id, const profile::Profile& initial);
  /// Inserts or replaces the customer's profile.
  void put(std::string_view id, const profile::Profile& p);
  bool contains(std::string_view id) const noexcept { return map_.find(id) != nullptr; }
  /// A copy of the customer's profile, if known.
  std::optional<profile::Profile> get(std::string_view id) const {
    const Record* r = map_.find(id);
    if (!r) return std::nullopt;
    std::optional<profile::Profile> p(std::in_place);
    load(*r, *p);
    return p;
  }
  /// Erases the customer (id bytes wiped); returns whether it was present.
  bool erase(std::string_view id) noexcept;
  size_t size() const noexcept { return map_.size(); }
  void reserve(size_t n) { map_.reserve(n); }
  /// Customers with out-of-line behaviour detectors.
  size_t behaviour_count() const noexcept { return behaviours_.size() - free_.size(); }

  /// f(id, const Profile&) for every customer (each profile assembled into one reused buffer).
  template <class F>
  void for_each(F&& f) const {
    profile::Profile p;
    map_.for_each([&](std::string_view id, const Record& r) {
      load(r, p);
      f(id, static_cast<const profile::Profile&>(p));
    });
  }
  /// f(id, Profile&) -> bool for every customer (one reused buffer, as for_each); the profile is
  /// written back only when f returns true (the snapshot's lapsed-consent sweep, which changes
  /// almost nothing, fused with encoding). Writing back may allocate a behaviour record (throws).
  template <class F>
  void for_each_update(F&& f) {
    profile::Profile p;
    map_.for_each([&](std::string_view id, Record& r) {
      load(r, p);
      if (f(id, p)) {
        Ref ref = make_ref(r);
        *ref = p;
      }
    });
  }
  /// f(id, Profile&) for every customer; the profile is written back after each call.
  template <class F>
  void for_each_mutable(F&& f) {
    map_.for_each([&](std::string_view id, Record& r) {
      Ref ref = make_ref(r);
      f(id, *ref);
    });
  }

 private:
  void load(const Record& r, profile::Profile& p) const noexcept;
  Ref make_ref(Record& r);
  void write_back(Record& r, const profile::Profile& p) noexcept;

  detail::FlatIdMap<Record> map_;
  std::deque<Behaviour> behaviours_;  // chunked: growing never moves records
  std::vector<uint32_t> free_;        // unused indices of behaviours_ (at least one after make_ref)
};

}  // namespace attune::engine_detail
