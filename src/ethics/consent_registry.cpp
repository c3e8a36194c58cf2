#include "attune/ethics/consent_registry.hpp"

#include "attune/error.hpp"
#include "attune/text/utf8.hpp"

#include <algorithm>
#include <mutex>

namespace attune::ethics {
namespace {

constexpr std::array<std::string_view, kPurposeCount> kPurposeNames = {"emotion_inference", "personalization",
                                                                       "profiling"};

void require_customer(std::string_view customer) {
  if (customer.empty()) throw invalid_argument("customer id must not be empty");
  if (customer.size() > kMaxCustomerIdBytes)
    throw invalid_argument("customer id is " + std::to_string(customer.size()) + " bytes, more than the limit of " +
                               std::to_string(kMaxCustomerIdBytes),
                           status::limit_exceeded);
  text::require_utf8(customer, "customer id");
}

void require_time(int64_t ms, const char* what) {
  if (ms < 0 || ms > kMaxTimeMs)
    throw invalid_argument(std::string(what) + " must be milliseconds since the Unix epoch in [0, " +
                               std::to_string(kMaxTimeMs) + "], got " + std::to_string(ms),
                           status::out_of_range);
}

void require_source(std::string_view source) {
  if (source.size() > kMaxConsentSourceBytes)
    throw invalid_argument("consent source is " + std::to_string(source.size()) + " bytes, more than the limit of " +
                               std::to_string(kMaxConsentSourceBytes),
                           status::limit_exceeded);
  text::require_utf8(source, "consent source");
}

// --- binary format helpers (little-endian, independent of the host's byte order) -------------

constexpr char kMagic[4] = {'A', 'T', 'C', 'N'};
constexpr uint16_t kFormatVersion = 1;
constexpr uint8_t kKindRegistry = 0;
constexpr uint8_t kKindCustomer = 1;
constexpr uint8_t kFlagGranted = 1, kFlagExpiry = 2, kFlagRevoked = 4;

uint32_t crc32(std::string_view data) noexcept {
  // IEEE 802.3 polynomial (reflected 0xEDB88320), table built once.
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (char ch : data) c = table[(c ^ static_cast<unsigned char>(ch)) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) { put(v, 2); }
  void u32(uint32_t v) { put(v, 4); }
  void i64(int64_t v) { put(static_cast<uint64_t>(v), 8); }
  void bytes(std::string_view s) { out_.append(s.data(), s.size()); }
  void reserve(size_t n) { out_.reserve(n); }
  std::string finish() {
    u32(crc32(out_));
    return std::move(out_);
  }

 private:
  void put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
  }
  std::string out_;
};

[[noreturn]] void corrupt(const std::string& why) {
  throw error(status::format_error, "consent registry data is corrupt: " + why);
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  uint8_t u8() { return static_cast<uint8_t>(get(1)); }
  uint16_t u16() { return static_cast<uint16_t>(get(2)); }
  uint32_t u32() { return static_cast<uint32_t>(get(4)); }
  int64_t i64() { return static_cast<int64_t>(get(8)); }
  std::string_view bytes(size_t n) {
    need(n);
    const std::string_view s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  size_t remaining() const noexcept { return data_.size() - pos_; }

 private:
  void need(size_t n) const {
    if (data_.size() - pos_ < n) corrupt("truncated at byte " + std::to_string(pos_));
  }
  uint64_t get(int n) {
    need(static_cast<size_t>(n));
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t{static_cast<unsigned char>(data_[pos_ + static_cast<size_t>(i)])} << (8 * i);
    pos_ += static_cast<size_t>(n);
    return v;
  }
  std::string_view data_;
  size_t pos_ = 0;
};

// Reads and validates one customer; every invariant the public API enforces is re-checked, so a
// blob cannot smuggle in state that grant()/revoke() would have refused.
std::string read_customer(Reader& r, ConsentRecord& rec) {
  const uint16_t id_len = r.u16();
  std::string id(r.bytes(id_len));
  if (id.empty() || id.size() > kMaxCustomerIdBytes || text::find_invalid_utf8(id)) corrupt("bad customer id");
  const uint8_t count = r.u8();
  if (count > kPurposeCount) corrupt("customer '" + id + "' has " + std::to_string(count) + " purposes");
  rec = ConsentRecord{};
  for (uint8_t k = 0; k < count; ++k) {
    const uint8_t index = r.u8();
    if (index >= kPurposeCount) corrupt("unknown purpose index " + std::to_string(index));
    PurposeConsent& p = rec.purposes[index];
    if (p.present) corrupt("purpose listed twice for customer '" + id + "'");
    const uint8_t flags = r.u8();
    if (flags & ~(kFlagGranted | kFlagExpiry | kFlagRevoked)) corrupt("unknown flags");
    p.present = true;
    p.granted = (flags & kFlagGranted) != 0;
    p.granted_at_ms = r.i64();
    if (flags & kFlagExpiry) p.expires_at_ms = r.i64();
    if (flags & kFlagRevoked) p.revoked_at_ms = r.i64();
    const uint8_t source_len = r.u8();
    p.source = std::string(r.bytes(source_len));
    const auto bad_time = [](int64_t t) { return t < 0 || t > kMaxTimeMs; };
    if (bad_time(p.granted_at_ms) || (p.expires_at_ms && (bad_time(*p.expires_at_ms) || *p.expires_at_ms <= p.granted_at_ms)) ||
        (p.revoked_at_ms && bad_time(*p.revoked_at_ms)) || (p.granted == p.revoked_at_ms.has_value()) ||
        p.source.size() > kMaxConsentSourceBytes || text::find_invalid_utf8(p.source))
      corrupt("invalid consent entry for customer '" + id + "'");
  }
  return id;
}

Reader open_blob(std::string_view bytes, uint8_t expected_kind) {
  if (bytes.size() < 4 + 2 + 2 + 4 + 4 || std::string_view(bytes.data(), 4) != std::string_view(kMagic, 4))
    corrupt("not a consent registry blob (bad magic or too short)");
  // The version comes before the checksum: a blob of another version may checksum differently,
  // and "unsupported version" is the useful message for it.
  const uint16_t version = Reader(bytes.substr(4, 2)).u16();
  if (version != kFormatVersion)
    throw error(status::version_mismatch, "consent registry format version " + std::to_string(version) +
                                              " is not supported (this library reads version " +
                                              std::to_string(kFormatVersion) + ")");
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  Reader trailer(bytes.substr(bytes.size() - 4));
  if (trailer.u32() != crc32(body)) corrupt("checksum mismatch");
  Reader r(body);
  r.bytes(4);
  r.u16();
  const uint8_t kind = r.u8();
  if (kind != expected_kind)
    corrupt(expected_kind == kKindRegistry ? "expected a whole-registry blob, got a customer blob"
                                           : "expected a customer blob, got a whole-registry blob");
  if (r.u8() != 0) corrupt("reserved byte is not 0");
  return r;
}

}  // namespace

std::string_view purpose_name(Purpose p) noexcept {
  const auto i = static_cast<size_t>(p);
  return i < kPurposeCount ? kPurposeNames[i] : std::string_view("unknown");
}

std::optional<Purpose> purpose_from_name(std::string_view name) noexcept {
  for (size_t i = 0; i < kPurposeCount; ++i)
    if (kPurposeNames[i] == name) return static_cast<Purpose>(i);
  return std::nullopt;
}

Purpose parse_purpose(std::string_view name) {
  if (auto p = purpose_from_name(name)) return *p;
  std::string shown = text::find_invalid_utf8(name) ? std::string("(malformed UTF-8)") : std::string(name.substr(0, 64));
  throw invalid_argument("unknown consent purpose '" + shown +
                         "' (known: emotion_inference, personalization, profiling)");
}

std::string_view consent_status_name(ConsentStatus s) noexcept {
  switch (s) {
    case ConsentStatus::none: return "none";
    case ConsentStatus::active: return "active";
    case ConsentStatus::pending: return "pending";
    case ConsentStatus::expired: return "expired";
    case ConsentStatus::revoked: return "revoked";
  }
  return "unknown";
}

ConsentStatus PurposeConsent::status_at(int64_t now_ms) const noexcept {
  if (!present) return ConsentStatus::none;
  if (!granted) return ConsentStatus::revoked;
  if (now_ms < granted_at_ms) return ConsentStatus::pending;
  if (expires_at_ms && now_ms >= *expires_at_ms) return ConsentStatus::expired;
  return ConsentStatus::active;
}

bool operator==(const PurposeConsent& a, const PurposeConsent& b) noexcept {
  return a.present == b.present && a.granted == b.granted && a.granted_at_ms == b.granted_at_ms &&
         a.expires_at_ms == b.expires_at_ms && a.revoked_at_ms == b.revoked_at_ms && a.source == b.source;
}

bool ConsentRecord::empty() const noexcept {
  return std::none_of(purposes.begin(), purposes.end(), [](const PurposeConsent& p) { return p.present; });
}

// ---- compact storage ------------------------------------------------------------------------

namespace {
constexpr uint8_t kPresent = 8;  // with kFlagGranted, kFlagExpiry, kFlagRevoked

void put48(uint8_t (&b)[6], int64_t v) noexcept {
  const auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>((u >> (8 * i)) & 0xFFu);
}
int64_t get48(const uint8_t (&b)[6]) noexcept {
  uint64_t u = 0;
  for (int i = 0; i < 6; ++i) u |= uint64_t{b[i]} << (8 * i);
  return static_cast<int64_t>(u);
}

// One customer in the blob format, straight from the packed records (no ConsentRecord with its
// strings): used for the whole registry and for one customer. `rec` null: no records (count 0).
// A template only so that it can name the registry's private Store and Packed types.
template <class StoreT, class PackedT>
void write_customer(Writer& w, const StoreT& store, std::string_view id, const PackedT* rec) {
  w.u16(static_cast<uint16_t>(id.size()));
  w.bytes(id);
  uint8_t count = 0;
  if (rec)
    for (const auto& p : rec->purposes) count = static_cast<uint8_t>(count + ((p.flags & kPresent) ? 1 : 0));
  w.u8(count);
  if (!rec) return;
  for (size_t i = 0; i < kPurposeCount; ++i) {
    const auto& p = rec->purposes[i];
    if (!(p.flags & kPresent)) continue;
    w.u8(static_cast<uint8_t>(i));
    w.u8(static_cast<uint8_t>(p.flags & (kFlagGranted | kFlagExpiry | kFlagRevoked)));
    w.i64(get48(p.times[0]));
    if (p.flags & kFlagExpiry) w.i64(get48(p.times[1]));
    if (p.flags & kFlagRevoked) w.i64(get48(p.times[2]));
    const std::string_view source = p.source ? std::string_view(store.sources[p.source - 1]->text) : std::string_view();
    w.u8(static_cast<uint8_t>(source.size()));
    w.bytes(source);
  }
}
}  // namespace

PurposeConsent ConsentRegistry::Store::unpack(const PackedPurpose& p) const {
  PurposeConsent c;
  if (!(p.flags & kPresent)) return c;
  c.present = true;
  c.granted = (p.flags & kFlagGranted) != 0;
  c.granted_at_ms = get48(p.times[0]);
  if (p.flags & kFlagExpiry) c.expires_at_ms = get48(p.times[1]);
  if (p.flags & kFlagRevoked) c.revoked_at_ms = get48(p.times[2]);
  if (p.source != 0) c.source = sources[p.source - 1]->text;
  return c;
}

ConsentRecord ConsentRegistry::Store::unpack(const Packed& rec) const {
  ConsentRecord r;
  for (size_t i = 0; i < kPurposeCount; ++i) r.purposes[i] = unpack(rec.purposes[i]);
  return r;
}

uint32_t ConsentRegistry::Store::intern(std::string_view source) {
  if (source.empty()) return 0;
  auto it = index.find(source);
  if (it != index.end()) {
    ++sources[it->second]->refs;
    return it->second + 1;
  }
  auto fresh = std::make_unique<Source>();
  fresh->text.assign(source.data(), source.size());
  fresh->refs = 1;
  uint32_t i;
  if (!free.empty()) {
    i = free.back();
    index.emplace(fresh->text, i);
    free.pop_back();
    sources[i] = std::move(fresh);
  } else {
    sources.reserve(sources.size() + 1);
    free.reserve(sources.size() + 1);  // release() never allocates
    i = static_cast<uint32_t>(sources.size());
    index.emplace(fresh->text, i);
    sources.push_back(std::move(fresh));
  }
  return i + 1;
}

void ConsentRegistry::Store::release(uint32_t source) noexcept {
  if (source == 0) return;
  Source& s = *sources[source - 1];
  if (--s.refs != 0) return;
  index.erase(std::string_view(s.text));
  volatile char* v = s.text.data();
  for (size_t k = 0; k < s.text.size(); ++k) v[k] = 0;  // a source may name the customer
  sources[source - 1].reset();
  free.push_back(source - 1);
}

namespace {
bool expiring_grant(uint8_t flags) noexcept {
  return (flags & (kPresent | kFlagGranted | kFlagExpiry)) == (kPresent | kFlagGranted | kFlagExpiry);
}
}  // namespace

void ConsentRegistry::Store::release_all(const Packed& rec) noexcept {
  for (const auto& p : rec.purposes) {
    release(p.source);
    if (expiring_grant(p.flags)) --expiring;
  }
}

void ConsentRegistry::Store::repack(PackedPurpose& out, const PurposeConsent& c) {
  PackedPurpose p;
  p.source = intern(c.source);  // the only step that can throw: `out` is untouched then
  if (c.present) {
    p.flags = static_cast<uint8_t>(kPresent | (c.granted ? kFlagGranted : 0) | (c.expires_at_ms ? kFlagExpiry : 0) |
                                   (c.revoked_at_ms ? kFlagRevoked : 0));
    put48(p.times[0], c.granted_at_ms);
    if (c.expires_at_ms) put48(p.times[1], *c.expires_at_ms);
    if (c.revoked_at_ms) put48(p.times[2], *c.revoked_at_ms);
  }
  release(out.source);
  if (expiring_grant(out.flags)) --expiring;
  if (expiring_grant(p.flags)) ++expiring;
  out = p;
}

void ConsentRegistry::Store::swap(Store& o) noexcept {
  map.swap(o.map);
  sources.swap(o.sources);
  index.swap(o.index);
  free.swap(o.free);
  std::swap(expiring, o.expiring);
}

// ---- the registry ---------------------------------------------------------------------------

void ConsentRegistry::grant(std::string_view customer, Purpose purpose, int64_t granted_at_ms,
                            std::optional<int64_t> expires_at_ms, std::string_view source) {
  require_customer(customer);
  if (static_cast<size_t>(purpose) >= kPurposeCount) throw invalid_argument("unknown consent purpose");
  require_time(granted_at_ms, "granted_at_ms");
  if (expires_at_ms) {
    require_time(*expires_at_ms, "expires_at_ms");
    if (*expires_at_ms <= granted_at_ms)
      throw invalid_argument("consent expiry (" + std::to_string(*expires_at_ms) + " ms) must be after the grant (" +
                                 std::to_string(granted_at_ms) + " ms)",
                             status::out_of_range);
  }
  require_source(source);
  PurposeConsent p;
  p.present = true;
  p.granted = true;
  p.granted_at_ms = granted_at_ms;
  p.expires_at_ms = expires_at_ms;
  p.source = std::string(source);
  std::unique_lock lock(mutex_);
  auto [rec, inserted] = store_.map.try_emplace(customer);
  try {
    store_.repack(rec->purposes[static_cast<size_t>(purpose)], p);
  } catch (...) {
    if (inserted) store_.map.erase(customer);
    throw;
  }
}

bool ConsentRegistry::revoke(std::string_view customer, Purpose purpose, int64_t revoked_at_ms, std::string_view source) {
  require_customer(customer);
  if (static_cast<size_t>(purpose) >= kPurposeCount) throw invalid_argument("unknown consent purpose");
  require_time(revoked_at_ms, "revoked_at_ms");
  require_source(source);
  std::unique_lock lock(mutex_);
  auto [rec, inserted] = store_.map.try_emplace(customer);
  PackedPurpose& packed = rec->purposes[static_cast<size_t>(purpose)];
  PurposeConsent p = store_.unpack(packed);
  // "In force" is judged at the revocation time: active or not yet started.
  const ConsentStatus before = p.status_at(revoked_at_ms);
  const bool was_in_force = before == ConsentStatus::active || before == ConsentStatus::pending;
  p.present = true;
  p.granted = false;
  p.revoked_at_ms = revoked_at_ms;
  p.source = std::string(source);
  // granted_at_ms / expires_at_ms keep the revoked grant's values for the audit trail.
  try {
    store_.repack(packed, p);
  } catch (...) {
    if (inserted) store_.map.erase(customer);
    throw;
  }
  return was_in_force;
}

bool ConsentRegistry::forget(std::string_view customer) {
  require_customer(customer);
  std::unique_lock lock(mutex_);
  const Packed* rec = store_.map.find(customer);
  if (!rec) return false;
  store_.release_all(*rec);
  return store_.map.erase(customer);
}

bool ConsentRegistry::allows(std::string_view customer, Purpose purpose, int64_t now_ms) const {
  require_customer(customer);
  if (static_cast<size_t>(purpose) >= kPurposeCount) throw invalid_argument("unknown consent purpose");
  require_time(now_ms, "now_ms");
  std::shared_lock lock(mutex_);
  const Packed* rec = store_.map.find(customer);
  const PackedPurpose* p = rec ? &rec->purposes[static_cast<size_t>(purpose)] : nullptr;
  if (!p || !(p->flags & kPresent)) return defaults_.allow_when_absent[static_cast<size_t>(purpose)];
  // status_at without unpacking the source: active = granted, started, not expired.
  if (!(p->flags & kFlagGranted) || now_ms < get48(p->times[0])) return false;
  return !(p->flags & kFlagExpiry) || now_ms < get48(p->times[1]);
}

ConsentStatus ConsentRegistry::status(std::string_view customer, Purpose purpose, int64_t now_ms) const {
  require_customer(customer);
  if (static_cast<size_t>(purpose) >= kPurposeCount) throw invalid_argument("unknown consent purpose");
  require_time(now_ms, "now_ms");
  std::shared_lock lock(mutex_);
  const Packed* rec = store_.map.find(customer);
  return rec ? store_.unpack(rec->purposes[static_cast<size_t>(purpose)]).status_at(now_ms) : ConsentStatus::none;
}

ConsentRecord ConsentRegistry::record(std::string_view customer) const {
  require_customer(customer);
  std::shared_lock lock(mutex_);
  const Packed* rec = store_.map.find(customer);
  return rec ? store_.unpack(*rec) : ConsentRecord{};
}

std::vector<std::string> ConsentRegistry::customers() const {
  std::vector<std::string> ids;
  {
    std::shared_lock lock(mutex_);
    ids.reserve(store_.map.size());
    store_.map.for_each([&](std::string_view id, const Packed&) { ids.emplace_back(id); });
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

size_t ConsentRegistry::size() const {
  std::shared_lock lock(mutex_);
  return store_.map.size();
}

size_t ConsentRegistry::expiring_grants() const {
  std::shared_lock lock(mutex_);
  return store_.expiring;
}

std::string ConsentRegistry::serialize() const {
  Writer w;
  w.bytes(std::string_view(kMagic, 4));
  w.u16(kFormatVersion);
  w.u8(kKindRegistry);
  w.u8(0);
  std::shared_lock lock(mutex_);
  // Sorted by id (deterministic bytes). Each entry carries the id's first 16 bytes, zero-padded,
  // as two big-endian words: comparing them orders ids as bytewise comparison does whenever they
  // differ (a shorter id's padding is 0, below any byte of the longer), so the sort reads the
  // scattered ids only on ties; comparing ids in place cost a cache miss per comparison (~2 s of
  // an engine snapshot at a million customers).
  struct Entry {
    uint64_t key[2];
    std::string_view id;
    const Packed* rec;
  };
  std::vector<Entry> entries;
  entries.reserve(store_.map.size());
  store_.map.for_each([&](std::string_view id, const Packed& rec) {
    for (const auto& p : rec.purposes)
      if (p.flags & kPresent) {
        Entry e{{0, 0}, id, &rec};
        for (size_t i = 0; i < 16 && i < id.size(); ++i)
          e.key[i / 8] |= uint64_t{static_cast<uint8_t>(id[i])} << (8 * (7 - i % 8));
        entries.push_back(e);
        break;
      }
  });
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.key[0] != b.key[0]) return a.key[0] < b.key[0];
    if (a.key[1] != b.key[1]) return a.key[1] < b.key[1];
    return a.id < b.id;
  });
  w.reserve(16 + entries.size() * 64);
  w.u32(static_cast<uint32_t>(entries.size()));
  for (const Entry& e : entries) write_customer(w, store_, e.id, e.rec);
  lock.unlock();
  return w.finish();
}

void ConsentRegistry::deserialize(std::string_view bytes) {
  Reader r = open_blob(bytes, kKindRegistry);
  const uint32_t count = r.u32();
  // Every customer needs at least 4 bytes, so an absurd count is caught before reserving.
  if (count > r.remaining() / 4) corrupt("customer count " + std::to_string(count) + " exceeds the data");
  Store fresh;
  fresh.map.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    ConsentRecord rec;
    std::string id = read_customer(r, rec);
    if (rec.empty()) corrupt("customer '" + id + "' has no records");
    auto [packed, inserted] = fresh.map.try_emplace(id);
    if (!inserted) corrupt("customer '" + id + "' listed twice");
    for (size_t k = 0; k < kPurposeCount; ++k) fresh.repack(packed->purposes[k], rec.purposes[k]);
  }
  if (r.remaining() != 0) corrupt("trailing bytes");
  std::unique_lock lock(mutex_);
  store_.swap(fresh);
  lock.unlock();  // the old records are destroyed outside the lock
}

std::string ConsentRegistry::serialize_customer(std::string_view customer) const {
  require_customer(customer);
  Writer w;
  w.bytes(std::string_view(kMagic, 4));
  w.u16(kFormatVersion);
  w.u8(kKindCustomer);
  w.u8(0);
  {
    std::shared_lock lock(mutex_);
    write_customer(w, store_, customer, store_.map.find(customer));
  }
  return w.finish();
}

std::string ConsentRegistry::deserialize_customer(std::string_view bytes) {
  Reader r = open_blob(bytes, kKindCustomer);
  ConsentRecord rec;
  std::string id = read_customer(r, rec);
  if (r.remaining() != 0) corrupt("trailing bytes");
  std::unique_lock lock(mutex_);
  Packed* old = store_.map.find(id);
  if (rec.empty()) {
    if (old) {
      store_.release_all(*old);
      store_.map.erase(id);
    }
    return id;
  }
  // Pack into a scratch record first (references taken), then swap it in: no half-updated record.
  Packed fresh;
  try {
    for (size_t k = 0; k < kPurposeCount; ++k) store_.repack(fresh.purposes[k], rec.purposes[k]);
  } catch (...) {
    store_.release_all(fresh);
    throw;
  }
  Packed* slot = old;
  try {
    if (!slot) slot = store_.map.try_emplace(id).first;
  } catch (...) {
    store_.release_all(fresh);
    throw;
  }
  store_.release_all(*slot);
  *slot = fresh;
  return id;
}

}  // namespace attune::ethics
