#include "attune/select/selector.hpp"

#include "attune/error.hpp"
#include "binary_io.hpp"

#include <cmath>
#include <limits>

namespace attune::select {
namespace {

constexpr char kMagic[8] = {'A', 'T', 'S', 'E', 'L', 'S', 'T', 'A'};
constexpr uint32_t kFormatVersion = 1;

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

void SelectorOptions::validate() const {
  policy.validate();
  if (!std::isfinite(reward_min) || !std::isfinite(reward_max) || !(reward_min < reward_max) ||
      std::fabs(reward_min) > 1e6 || std::fabs(reward_max) > 1e6)
    throw invalid_argument("selector options: reward range must be finite, within +-1e6, with min < max", status::out_of_range);
  if (!(pending_ttl_s > 0.0)) throw invalid_argument("selector options: pending_ttl_s must be > 0", status::out_of_range);
  if (max_pending < 1 || max_pending > kMaxPendingLimit)
    throw invalid_argument("selector options: max_pending must be in [1, 2^22]", status::limit_exceeded);
}

std::string decision_id_string(uint64_t id) {
  static const char* hex = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i) {
    s[static_cast<size_t>(i)] = hex[id & 0xF];
    id >>= 4;
  }
  return s;
}

std::string Decision::id_string() const { return decision_id_string(id); }

uint64_t parse_decision_id(std::string_view text) {
  if (text.empty() || text.size() > 16) throw invalid_argument("decision id must be 1..16 hex digits");
  uint64_t v = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else throw invalid_argument("decision id must be 1..16 hex digits");
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

Selector::Selector(Catalog catalog, const SelectorOptions& options)
    : catalog_(std::move(catalog)), options_(options), features_(catalog_.context()), rng_(options.seed),
      salt_(splitmix64(options.seed ^ 0xD1CEDA7AULL)) {
  options_.validate();
  for (const auto& slot : catalog_.slots())
    policies_.push_back(make_policy(options_.policy, features_.context_dim(), FeatureBuilder::variant_features(slot)));
  scratch_.resize(features_.context_dim());
}

Policy& Selector::policy(size_t slot) {
  if (slot >= policies_.size()) throw invalid_argument("slot index out of range", status::not_found);
  return *policies_[slot];
}
const Policy& Selector::policy(size_t slot) const {
  if (slot >= policies_.size()) throw invalid_argument("slot index out of range", status::not_found);
  return *policies_[slot];
}

Decision Selector::decide(std::string_view slot, const CustomerContext& customer, double now) {
  const auto s = catalog_.find_slot(slot);
  if (!s) throw invalid_argument("unknown slot \"" + std::string(slot) + "\"", status::not_found);
  const size_t k = catalog_.slots()[*s].variants.size();
  uint32_t all[kMaxVariantsPerSlot];
  for (size_t i = 0; i < k; ++i) all[i] = static_cast<uint32_t>(i);
  features_.build(customer, scratch_.data());
  return decide(*s, scratch_.data(), IndexSpan(all, k), now, rng_);
}

Decision Selector::decide(std::string_view slot, const CustomerContext& customer, IndexSpan allowed, double now) {
  const auto s = catalog_.find_slot(slot);
  if (!s) throw invalid_argument("unknown slot \"" + std::string(slot) + "\"", status::not_found);
  features_.build(customer, scratch_.data());
  return decide(*s, scratch_.data(), allowed, now, rng_);
}

Decision Selector::decide(size_t slot, const double* context, IndexSpan allowed, double now, Rng& rng) {
  if (slot >= policies_.size()) throw invalid_argument("slot index out of range", status::not_found);
  if (!std::isfinite(now)) throw invalid_argument("time must be finite", status::out_of_range);
  Policy& p = *policies_[slot];
  const Choice c = p.choose(context, allowed, rng);  // validates context and allowed set
  const Slot& s = catalog_.slots()[slot];
  Decision d;
  do {
    d.id = splitmix64(salt_ + counter_++);
  } while (d.id == 0 || index_.count(d.id));
  d.slot = static_cast<uint32_t>(slot);
  d.slot_id = s.id;
  d.variant = c.variant;
  d.variant_id = s.variants[c.variant].id;
  d.propensity = c.propensity;
  d.decided_at = now;
  d.scores.assign(s.variants.size(), std::numeric_limits<double>::quiet_NaN());
  std::vector<double> means(allowed.size);
  p.expected_rewards(context, allowed, means.data());
  for (size_t i = 0; i < allowed.size; ++i) d.scores[allowed.data[i]] = means[i];

  Pending pend{d.id, d.slot, d.variant, d.propensity, now, false,
               std::vector<double>(context, context + p.context_dim())};
  expire(now);
  while (queue_.size() >= options_.max_pending) {
    pop_front();
    ++counters_.evicted;
  }
  index_.emplace(d.id, front_seq_ + queue_.size());
  queue_.push_back(std::move(pend));
  ++counters_.decisions;
  return d;
}

void Selector::reward(uint64_t decision_id, double value, double now) {
  if (!std::isfinite(value) || value < options_.reward_min || value > options_.reward_max)
    throw invalid_argument("reward must be a finite number in [" + std::to_string(options_.reward_min) + ", " +
                               std::to_string(options_.reward_max) + "]",
                           status::out_of_range);
  if (!std::isfinite(now)) throw invalid_argument("time must be finite", status::out_of_range);
  const auto it = index_.find(decision_id);
  if (it == index_.end())
    throw invalid_argument("unknown decision id " + decision_id_string(decision_id) + " (never issued, expired or evicted)",
                           status::not_found);
  Pending& pend = queue_[it->second - front_seq_];
  if (now - pend.at > options_.pending_ttl_s)
    throw invalid_argument("decision " + decision_id_string(decision_id) + " has expired", status::not_found);
  if (pend.rewarded)
    throw invalid_argument("decision " + decision_id_string(decision_id) + " was already rewarded", status::duplicate);
  policies_[pend.slot]->learn(pend.context.data(), pend.variant, value, pend.propensity);
  pend.rewarded = true;
  ++counters_.rewards;
  expire(now);
}

void Selector::pop_front() {
  index_.erase(queue_.front().id);
  queue_.pop_front();
  ++front_seq_;
}

size_t Selector::expire(double now) {
  size_t n = 0;
  while (!queue_.empty() && now - queue_.front().at > options_.pending_ttl_s) {
    pop_front();
    ++n;
  }
  counters_.expired += n;
  return n;
}

uint64_t Selector::fingerprint() const { return fnv1a(catalog_.to_json()); }

std::string Selector::save() const {
  detail::ByteWriter w;
  w.raw(std::string_view(kMagic, sizeof kMagic));
  w.u32(kFormatVersion);
  w.u64(fingerprint());
  w.u64(counter_);
  const Rng::State st = rng_.state();
  for (uint64_t v : st.s) w.u64(v);
  w.u8(st.has_spare ? 1 : 0);
  w.f64(st.spare);
  w.u32(static_cast<uint32_t>(policies_.size()));
  for (const auto& p : policies_) w.bytes(p->save());
  return std::move(w.str());
}

void Selector::load(std::string_view bytes) {
  detail::ByteReader r(bytes);
  if (r.remaining() < sizeof kMagic || r.raw(sizeof kMagic) != std::string_view(kMagic, sizeof kMagic))
    throw error(status::format_error, "not an attune selector state (bad magic)");
  const uint32_t version = r.u32();
  if (version != kFormatVersion)
    throw error(status::version_mismatch, "selector state format version " + std::to_string(version) + " is not supported");
  if (r.u64() != fingerprint())
    throw invalid_argument("selector state was saved with a different catalog");
  const uint64_t counter = r.u64();
  Rng::State st{};
  for (auto& v : st.s) v = r.u64();
  st.has_spare = r.u8() != 0;
  st.spare = r.f64();
  const uint32_t n = r.u32();
  if (n != policies_.size()) throw error(status::format_error, "selector state has the wrong number of slots");
  std::vector<std::unique_ptr<Policy>> loaded;
  for (uint32_t i = 0; i < n; ++i) {
    auto p = Policy::load(r.bytes());
    const Policy& cur = *policies_[i];
    if (p->context_dim() != cur.context_dim() || p->variants().values != cur.variants().values ||
        p->variant_count() != cur.variant_count())
      throw invalid_argument("selector state does not match the catalog's slot " + catalog_.slots()[i].id);
    loaded.push_back(std::move(p));
  }
  r.expect_end();
  policies_.swap(loaded);
  options_.policy = policies_.empty() ? options_.policy : policies_[0]->options();
  counter_ = counter;
  rng_.set_state(st);
}

void Selector::merge(const Selector& other, const Selector* base) {
  if (other.fingerprint() != fingerprint() || (base && base->fingerprint() != fingerprint()))
    throw invalid_argument("cannot merge selectors over different catalogs");
  // Merge into copies first so a failure in a later slot leaves this unchanged.
  std::vector<std::unique_ptr<Policy>> merged;
  for (size_t i = 0; i < policies_.size(); ++i) {
    auto p = policies_[i]->clone();
    p->merge(*other.policies_[i], base ? base->policies_[i].get() : nullptr);
    merged.push_back(std::move(p));
  }
  policies_.swap(merged);
}

}  // namespace attune::select
