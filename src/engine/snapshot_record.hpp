// snapshot_record.hpp (engine-private): one profile in an engine snapshot, format version 3.
//
// Why: a snapshot's write time is bounded by its size (kernel copy, checksum, fsync) and by the
// per-profile encoding. Version 2 stored Profile::serialize() bytes (magic, version, the id as a
// u32-length string, three behaviour blobs with u32 lengths) zero-word packed: ~386 bytes for a
// typical customer, ~150 of them the session-behaviour detectors in their initial state. Version 3
// writes the detectors only when they left it (flag bit 0) and drops the per-profile magic and
// version (the snapshot carries them); the raw bytes are then zero-word packed as in version 2.
// Layout of the raw (little-endian; docs/persistence.md, "Engine snapshot"):
//   u16 id length, id bytes, u8 flags (bit 0: behaviour detectors follow),
//   8 x f32 evidence, 8 x f32 weight, i64 memory time, 4 x f32 trust, i64 trust time,
//   u32 + baseline bytes, 4 x (u64 id, i64 time, u32 slot | variant << 16) recent decisions,
//   u64 nonce, i64 created, i64 last seen, i64 frustration peak time, f32 peak, f32 distress,
//   i64 distress time, f32 valence, f32 arousal, f32 purchase probability,
//   5 x u32 counters, u8 channels seen, u8 last channel,
//   [u32 + hesitation bytes, u32 + engagement bytes]   when flag bit 0.
// Decoding validates like Profile::deserialize (format_error on anything malformed).
#pragma once

#include "attune/profile/profile.hpp"

#include <string>
#include <string_view>

namespace attune::engine_detail {

/// Appends the packed v3 record of (id, p) to `out`; `scratch` is a reused buffer.
void encode_snapshot_profile(std::string& out, std::string& scratch, std::string_view id, const profile::Profile& p);

/// Decodes one packed v3 record into `p` and `id`. Throws attune::error(format_error).
void decode_snapshot_profile(std::string_view packed, std::string& scratch, std::string& id, profile::Profile& p);

}  // namespace attune::engine_detail
