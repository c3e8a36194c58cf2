#include "profile_store.hpp"

#include "../profile/profile_fields.hpp"

namespace attune::engine_detail {

using profile::fields::initial_engagement;
using profile::fields::initial_hesitation;

void ProfileStore::load(const Record& r, profile::Profile& p) const noexcept {
  static_cast<profile::ProfileCore&>(p) = static_cast<const profile::ProfileCore&>(r);
  if (r.behaviour != 0) {
    const Behaviour& b = behaviours_[r.behaviour - 1];
    p.hesitation = b.hesitation;
    p.engagement = b.engagement;
  } else {
    p.hesitation = initial_hesitation();
    p.engagement = initial_engagement();
  }
}

ProfileStore::Ref ProfileStore::make_ref(Record& r) {
  // Reserve what write_back may need, so that writing back cannot fail.
  if (r.behaviour == 0 && free_.empty()) {
    free_.reserve(behaviours_.size() + 1);
    behaviours_.emplace_back();
    free_.push_back(static_cast<uint32_t>(behaviours_.size() - 1));
  }
  Ref ref;
  ref.store_ = this;
  ref.record_ = &r;
  load(r, ref.profile_);
  return ref;
}

void ProfileStore::write_back(Record& r, const profile::Profile& p) noexcept {
  static_cast<profile::ProfileCore&>(r) = p;
  if (r.behaviour == 0) {
    if (!profile::fields::has_behaviour(p)) return;
    r.behaviour = free_.back() + 1;  // non-empty: make_ref reserved one
    free_.pop_back();
  }
  Behaviour& b = behaviours_[r.behaviour - 1];
  b.hesitation = p.hesitation;
  b.engagement = p.engagement;
}

ProfileStore::Ref ProfileStore::open(std::string_view id) {
  Record* r = map_.find(id);
  return r ? make_ref(*r) : Ref();
}

ProfileStore::Ref ProfileStore::create(std::string_view id, const profile::Profile& initial) {
  auto [r, inserted] = map_.try_emplace(id);
  (void)inserted;
  try {
    Ref ref = make_ref(*r);
    *ref = initial;
    return ref;
  } catch (...) {
    map_.erase(id);
    throw;
  }
}

void ProfileStore::put(std::string_view id, const profile::Profile& p) {
  auto [r, inserted] = map_.try_emplace(id);
  try {
    Ref ref = make_ref(*r);
    *ref = p;
  } catch (...) {
    if (inserted) map_.erase(id);
    throw;
  }
}

bool ProfileStore::erase(std::string_view id) noexcept {
  Record* r = map_.find(id);
  if (!r) return false;
  if (r->behaviour != 0) {
    behaviours_[r->behaviour - 1] = Behaviour{};  // the customer's detectors go with them
    free_.push_back(r->behaviour - 1);            // capacity reserved by make_ref
  }
  return map_.erase(id);
}

}  // namespace attune::engine_detail
