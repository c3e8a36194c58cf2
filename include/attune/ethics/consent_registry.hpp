// attune/ethics/consent_registry.hpp: who allowed what, since when, until when.
//
// Purpose. Emotion data is used only with the customer's permission, per purpose:
//   - emotion_inference: compute, store and use emotion scores from what the customer writes;
//   - personalization:   adapt what the customer is shown (otherwise the slot's default is used);
//   - profiling:         keep a long-lived profile (baselines, trust trajectory) across sessions.
// The registry records, per customer and purpose, the latest grant or revocation: when it was
// granted (milliseconds since the Unix epoch, UTC), an optional expiry, where the consent came
// from (`source`, e.g. "web_banner_v3") and whether it is granted or revoked. The engine asks
// `allows(customer, purpose, now_ms)` before every use of the data.
//
// When does a grant allow? `allows` is true exactly when the latest change for (customer,
// purpose) is a grant and granted_at_ms <= now_ms < expires_at_ms (no expiry: no upper bound).
//   - The expiry instant itself is already expired (half-open interval [granted_at, expires_at)).
//   - A grant stamped in the future (host clocks disagree) does not allow before its time.
//   - A revocation wins immediately and regardless of timestamps: changes apply in call order,
//     timestamps are recorded for the audit trail and for expiry only. A later grant replaces a
//     revocation, again in call order.
//   - Unknown customer or purpose never set: no consent (ConsentStatus::none). A host that has
//     consent by other means (e.g. contract) may construct the registry with
//     `Defaults::allow_when_absent` set for some purposes; explicit revocations still win, and
//     `forget` erases revocations too (the customer is then unknown again).
//
// Bad input (empty or over-long customer id, malformed UTF-8, negative or implausible times,
// expiry not after the grant, over-long source, unknown purpose name) throws
// attune::invalid_argument and changes nothing. Times are validated against
// [0, kMaxTimeMs] (year 9999), which also catches seconds-vs-nanoseconds mix-ups on the high side.
//
// Serialization (for the engine's snapshot and journal) is a compact binary format, documented in
// docs/ethics-rules.md ("Consent registry format"): magic "ATCN", format version 1, little-endian,
// CRC-32 trailer. `serialize()` writes the whole registry (customers sorted by id, so equal
// registries give equal bytes); `serialize_customer()` writes one customer, and
// `deserialize_customer()` replaces that customer's records with the blob's (an empty record set
// erases the customer), so replaying a journal of customer blobs is idempotent. The defaults are
// configuration, not state, and are not serialized.
//
// Thread-safety: all member functions may be called concurrently. One std::shared_mutex guards
// the registry: queries (allows, status, record, serialize, size) take it shared, so decisions
// never block each other; changes (grant, revoke, forget, deserialize*) take it exclusively and are
// linearizable. Deserialization parses and validates before taking the lock, so a corrupt blob
// never leaves a half-replaced registry.
#pragma once

#include "attune/detail/flat_id_map.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace attune::ethics {

/// What the customer consents to. Index order is part of the serialized format; never reorder.
enum class Purpose : unsigned char {
  emotion_inference = 0,
  personalization = 1,
  profiling = 2,
};
inline constexpr size_t kPurposeCount = 3;
inline constexpr std::array<Purpose, kPurposeCount> kPurposes = {Purpose::emotion_inference, Purpose::personalization,
                                                                 Purpose::profiling};

/// "emotion_inference", "personalization" or "profiling".
std::string_view purpose_name(Purpose p) noexcept;
/// The purpose with exactly this name, or nullopt.
std::optional<Purpose> purpose_from_name(std::string_view name) noexcept;
/// The purpose with this name; throws attune::invalid_argument listing the known names.
Purpose parse_purpose(std::string_view name);

/// Limits on the inputs (bytes of UTF-8; milliseconds since the Unix epoch).
inline constexpr size_t kMaxCustomerIdBytes = 256;
inline constexpr size_t kMaxConsentSourceBytes = 128;
inline constexpr int64_t kMaxTimeMs = 253402300799999;  ///< 9999-12-31T23:59:59.999Z

/// State of one (customer, purpose) at a given time.
enum class ConsentStatus : unsigned char {
  none = 0,     ///< never granted nor revoked (or forgotten)
  active = 1,   ///< granted, granted_at_ms <= now < expires_at_ms
  pending = 2,  ///< granted, but granted_at_ms is after now
  expired = 3,  ///< granted, now >= expires_at_ms
  revoked = 4,  ///< the latest change is a revocation
};
/// "none", "active", "pending", "expired", "revoked".
std::string_view consent_status_name(ConsentStatus s) noexcept;

/// The latest change recorded for one (customer, purpose).
struct PurposeConsent {
  bool present = false;                  ///< false: nothing recorded (the other fields are unset)
  bool granted = false;                  ///< latest change: true grant, false revocation
  int64_t granted_at_ms = 0;             ///< time of the latest grant (0 when never granted)
  std::optional<int64_t> expires_at_ms;  ///< expiry of the latest grant, if any
  std::optional<int64_t> revoked_at_ms;  ///< time of the revocation when !granted
  std::string source;                    ///< source of the latest change (<= kMaxConsentSourceBytes)

  /// Status at `now_ms` (ignores registry defaults; `none` when !present).
  ConsentStatus status_at(int64_t now_ms) const noexcept;
  friend bool operator==(const PurposeConsent& a, const PurposeConsent& b) noexcept;
  friend bool operator!=(const PurposeConsent& a, const PurposeConsent& b) noexcept { return !(a == b); }
};

/// Everything recorded for one customer, indexed by Purpose.
struct ConsentRecord {
  std::array<PurposeConsent, kPurposeCount> purposes{};
  const PurposeConsent& operator[](Purpose p) const noexcept { return purposes[static_cast<size_t>(p)]; }
  PurposeConsent& operator[](Purpose p) noexcept { return purposes[static_cast<size_t>(p)]; }
  bool empty() const noexcept;
  friend bool operator==(const ConsentRecord& a, const ConsentRecord& b) noexcept { return a.purposes == b.purposes; }
};

class ConsentRegistry {
 public:
  /// What `allows` answers for a (customer, purpose) with nothing recorded. Default: no consent.
  struct Defaults {
    std::array<bool, kPurposeCount> allow_when_absent{};  ///< indexed by Purpose; all false
  };

  ConsentRegistry() = default;
  explicit ConsentRegistry(const Defaults& defaults) : defaults_(defaults) {}
  ConsentRegistry(const ConsentRegistry&) = delete;
  ConsentRegistry& operator=(const ConsentRegistry&) = delete;

  /// Record a grant (replacing any earlier grant or revocation of this purpose).
  /// `expires_at_ms`, when given, must be > granted_at_ms. Throws invalid_argument on bad input.
  void grant(std::string_view customer, Purpose purpose, int64_t granted_at_ms,
             std::optional<int64_t> expires_at_ms = std::nullopt, std::string_view source = {});
  /// Record a revocation, effective immediately (also for a customer never seen: an explicit "no"
  /// overrides Defaults). Returns true when a grant was in force (active or pending) before.
  bool revoke(std::string_view customer, Purpose purpose, int64_t revoked_at_ms, std::string_view source = {});
  /// Erase every record of the customer. Returns true when something was erased.
  bool forget(std::string_view customer);

  /// True when the customer's consent for `purpose` is active at `now_ms` (see the header comment),
  /// or nothing is recorded and Defaults allow it.
  bool allows(std::string_view customer, Purpose purpose, int64_t now_ms) const;
  /// Status at `now_ms` (`none` for unknown customers; ignores Defaults).
  ConsentStatus status(std::string_view customer, Purpose purpose, int64_t now_ms) const;
  /// All purposes' records of the customer (all `present == false` for an unknown customer).
  ConsentRecord record(std::string_view customer) const;
  /// Ids of all customers with a record, sorted.
  std::vector<std::string> customers() const;
  /// Number of customers with at least one record.
  size_t size() const;
  /// Number of (customer, purpose) grants with an expiry, in force or not (0: no consent can lapse
  /// with time alone, so callers can skip sweeping for lapsed consent).
  size_t expiring_grants() const;
  const Defaults& defaults() const noexcept { return defaults_; }

  /// The whole registry as bytes (format in docs/ethics-rules.md).
  std::string serialize() const;
  /// Replace the whole registry with `bytes` from serialize(). Throws attune::error
  /// (format_error: corrupt/truncated/checksum; version_mismatch) and changes nothing on error.
  void deserialize(std::string_view bytes);
  /// One customer's records as bytes (an empty record set when the customer is unknown).
  std::string serialize_customer(std::string_view customer) const;
  /// Replace one customer's records with those of a serialize_customer() blob; returns the
  /// customer id. An empty record set erases the customer. Errors as deserialize().
  std::string deserialize_customer(std::string_view bytes);

 private:
  // Stored compactly (about 110 bytes per customer with the id and the index, instead of ~320
  // with a std::unordered_map node, std::optional times and a std::string source per purpose):
  // times as 48-bit values (kMaxTimeMs < 2^48), flags, and the source as a number in a table of
  // distinct sources. Sources are reference-counted: forget() drops the customer's references and
  // a source no customer uses any more is erased with its bytes, so nothing of a forgotten
  // customer stays behind.
  struct PackedPurpose {
    uint32_t source = 0;       // 0: empty source, else index + 1 in Store::sources
    uint8_t flags = 0;    // present, granted, has expiry, has revocation
    uint8_t times[3][6] = {};  // granted_at, expires_at, revoked_at (48-bit little-endian)
  };
  struct Packed {
    std::array<PackedPurpose, kPurposeCount> purposes{};
  };
  struct Source {
    std::string text;
    uint32_t refs = 0;
  };
  // The records and the source table they refer to (swapped as a whole by deserialize()).
  struct Store {
    detail::FlatIdMap<Packed> map;
    std::vector<std::unique_ptr<Source>> sources;           // index + 1 is a PackedPurpose::source
    std::unordered_map<std::string_view, uint32_t> index;  // views into sources
    std::vector<uint32_t> free;                             // unused indices of sources
    size_t expiring = 0;                                    // purposes granted with an expiry

    PurposeConsent unpack(const PackedPurpose& p) const;
    ConsentRecord unpack(const Packed& rec) const;
    // Packs `c` into `out`, taking a reference on its source and dropping the one `out` held.
    void repack(PackedPurpose& out, const PurposeConsent& c);
    uint32_t intern(std::string_view source);
    void release(uint32_t source) noexcept;
    void release_all(const Packed& rec) noexcept;
    void swap(Store& o) noexcept;
  };

  Defaults defaults_;
  mutable std::shared_mutex mutex_;
  Store store_;
};

}  // namespace attune::ethics
