// attune/detail/flat_id_map.hpp: a compact map from customer ids to fixed-size records.
//
// Why: std::unordered_map<std::string, T> costs a heap node per entry (next pointer, cached hash,
// a 32-byte std::string, malloc's header and rounding) plus a bucket pointer: about 80 bytes per
// customer on top of T, which dominated the engine's memory at a million customers. Here:
//   - records live in slabs of kSlabSize entries (allocated once, never moved, so a pointer to a
//     record stays valid until that record is erased or the map is cleared);
//   - each entry keeps a 32-bit hash and the id inline when it has <= 19 bytes (a typical id), else
//     in one exact-size heap block: 24 bytes before the record;
//   - an open-addressing index (linear probing, 32-bit entry numbers, load <= 3/4, erase by
//     backward shift, no tombstones) maps ids to entries: 4-8 bytes per customer;
//   - erased entries are reused first (a free list threaded through them, no extra memory).
// Erasing wipes the id's bytes (inline or heap) before the entry is reused: after forget() no copy
// of a customer id is left in the map's memory. Entry numbers are reused (free list), so the
// iteration order (for_each: by entry number) is not insertion order.
// Thread-safety: none; the owner locks. Ids must be non-empty and < 2^31 bytes (callers validate
// ids long before: customer ids are at most 256 bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <string_view>
#include <utility>
#include <vector>

namespace attune::detail {

/// A customer id stored in 20 bytes: inline up to 19 bytes, else a pointer to an exact-size copy.
/// Ids are never empty, so length 0 marks an unused (erased) entry.
class CompactId {
 public:
  static constexpr size_t kInline = 19;
  CompactId() noexcept = default;
  CompactId(const CompactId&) = delete;
  CompactId& operator=(const CompactId&) = delete;
  ~CompactId() { wipe(); }

  void assign(std::string_view s) {
    wipe();
    if (s.size() <= kInline) {
      std::memcpy(raw_, s.data(), s.size());
      raw_[kLast] = static_cast<unsigned char>(s.size());
    } else {
      char* p = new char[s.size()];
      std::memcpy(p, s.data(), s.size());
      const auto n = static_cast<uint32_t>(s.size());
      std::memcpy(raw_, &p, sizeof p);
      std::memcpy(raw_ + 8, &n, sizeof n);
      raw_[kLast] = kHeap;
    }
  }
  std::string_view view() const noexcept {
    if (raw_[kLast] != kHeap) return {reinterpret_cast<const char*>(raw_), raw_[kLast]};
    const char* p = nullptr;
    uint32_t n = 0;
    std::memcpy(&p, raw_, sizeof p);
    std::memcpy(&n, raw_ + 8, sizeof n);
    return {p, n};
  }
  /// Zeroes the id's bytes (and frees a heap copy): nothing of it stays in memory.
  void wipe() noexcept {
    if (raw_[kLast] == kHeap) {
      char* p = nullptr;
      uint32_t n = 0;
      std::memcpy(&p, raw_, sizeof p);
      std::memcpy(&n, raw_ + 8, sizeof n);
      volatile char* v = p;
      for (uint32_t i = 0; i < n; ++i) v[i] = 0;
      delete[] p;
    }
    volatile unsigned char* r = raw_;
    for (size_t i = 0; i < sizeof raw_; ++i) r[i] = 0;
  }

  bool empty() const noexcept { return raw_[kLast] == 0; }

 private:
  static constexpr unsigned char kHeap = 0xFF;
  static constexpr size_t kLast = 19;  // length byte, or kHeap
  unsigned char raw_[20] = {};
};

template <class T>
class FlatIdMap {
 public:
  static constexpr size_t kSlabSize = 4096;

  FlatIdMap() = default;
  FlatIdMap(const FlatIdMap&) = delete;
  FlatIdMap& operator=(const FlatIdMap&) = delete;
  void swap(FlatIdMap& o) noexcept {
    slabs_.swap(o.slabs_);
    index_.swap(o.index_);
    std::swap(free_head_, o.free_head_);
    std::swap(used_, o.used_);
    std::swap(size_, o.size_);
  }
  ~FlatIdMap() { clear(); }

  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  T* find(std::string_view id) noexcept {
    const size_t pos = locate(id, hash_of(id));
    return pos == kNone ? nullptr : &entry(index_[pos] - 1).value;
  }
  const T* find(std::string_view id) const noexcept { return const_cast<FlatIdMap*>(this)->find(id); }

  /// The record of `id`, value-initialized and inserted when absent; second: whether inserted.
  /// Strong guarantee: on bad_alloc nothing changes.
  std::pair<T*, bool> try_emplace(std::string_view id) {
    const uint32_t h = hash_of(id);
    const size_t pos = locate(id, h);
    if (pos != kNone) return {&entry(index_[pos] - 1).value, false};
    if ((size_ + 1) * 4 > index_.size() * 3) grow_index(index_.empty() ? 16 : index_.size() * 2);
    uint32_t n;
    if (free_head_ != 0) {
      n = free_head_ - 1;
      Entry& e = entry(n);
      const uint32_t next = e.hash;  // an erased entry's hash field links the free list
      e.id.assign(id);               // may throw; the free list is unchanged then
      free_head_ = next;
    } else {
      if (used_ == slabs_.size() * kSlabSize) {
        auto slab = std::make_unique<Entry[]>(kSlabSize);
        slabs_.push_back(std::move(slab));
      }
      entry(static_cast<uint32_t>(used_)).id.assign(id);
      n = static_cast<uint32_t>(used_++);
    }
    Entry& e = entry(n);
    e.hash = h;
    e.value = T{};
    size_t p = h & (index_.size() - 1);
    while (index_[p] != 0) p = (p + 1) & (index_.size() - 1);
    index_[p] = n + 1;
    ++size_;
    return {&e.value, true};
  }

  /// Erases `id` (its bytes wiped); returns whether it was present.
  bool erase(std::string_view id) noexcept {
    size_t pos = locate(id, hash_of(id));
    if (pos == kNone) return false;
    const uint32_t n = index_[pos] - 1;
    Entry& e = entry(n);
    e.id.wipe();
    e.value = T{};
    e.hash = free_head_;
    free_head_ = n + 1;
    --size_;
    // Backward-shift deletion: move later members of the probe run into the hole.
    const size_t mask = index_.size() - 1;
    size_t hole = pos;
    for (size_t p = (pos + 1) & mask; index_[p] != 0; p = (p + 1) & mask) {
      const size_t home = entry(index_[p] - 1).hash & mask;
      // The entry at p may move to the hole when its home is not in (hole, p] cyclically.
      const bool stays = hole <= p ? (home > hole && home <= p) : (home > hole || home <= p);
      if (!stays) {
        index_[hole] = index_[p];
        hole = p;
      }
    }
    index_[hole] = 0;
    return true;
  }

  void clear() noexcept {
    for (size_t n = 0; n < used_; ++n) entry(static_cast<uint32_t>(n)).id.wipe();
    slabs_.clear();
    index_.clear();
    free_head_ = 0;
    used_ = 0;
    size_ = 0;
  }

  /// Sizes the index for `n` entries (no rehash until then).
  void reserve(size_t n) {
    size_t want = 16;
    while (want * 3 < n * 4) want *= 2;
    if (want > index_.size()) grow_index(want);
  }

  /// Calls f(id, record) for every entry, in entry-number order.
  template <class F>
  void for_each(F&& f) const {
    for (size_t n = 0; n < used_; ++n) {
      const Entry& e = entry(static_cast<uint32_t>(n));
      if (!e.id.empty()) f(e.id.view(), e.value);
    }
  }
  template <class F>
  void for_each(F&& f) {
    for (size_t n = 0; n < used_; ++n) {
      Entry& e = entry(static_cast<uint32_t>(n));
      if (!e.id.empty()) f(e.id.view(), e.value);
    }
  }

  /// Bytes held by the map (slabs and index), for memory reports.
  size_t memory_bytes() const noexcept {
    return slabs_.size() * kSlabSize * sizeof(Entry) + index_.capacity() * sizeof(uint32_t);
  }

 private:
  struct Entry {
    uint32_t hash = 0;  // of the id; in an erased entry, the free-list link
    CompactId id;       // empty in an erased entry
    T value{};
  };
  static constexpr size_t kNone = ~size_t{0};

  static uint32_t hash_of(std::string_view id) noexcept {
    // Remixed: the engine shards by the same std::hash, so its low bits are equal within a shard.
    uint64_t h = std::hash<std::string_view>{}(id);
    h ^= h >> 31;
    h *= 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
    return static_cast<uint32_t>(h);
  }

  Entry& entry(uint32_t n) const noexcept { return slabs_[n / kSlabSize][n % kSlabSize]; }

  size_t locate(std::string_view id, uint32_t h) const noexcept {
    if (index_.empty()) return kNone;
    const size_t mask = index_.size() - 1;
    for (size_t p = h & mask; index_[p] != 0; p = (p + 1) & mask) {
      const Entry& e = entry(index_[p] - 1);
      if (e.hash == h && e.id.view() == id) return p;
    }
    return kNone;
  }

  void grow_index(size_t capacity) {
    std::vector<uint32_t> fresh(capacity, 0);
    const size_t mask = capacity - 1;
    for (uint32_t slot : index_) {
      if (slot == 0) continue;
      size_t p = entry(slot - 1).hash & mask;
      while (fresh[p] != 0) p = (p + 1) & mask;
      fresh[p] = slot;
    }
    index_.swap(fresh);
  }

  std::vector<std::unique_ptr<Entry[]>> slabs_;
  std::vector<uint32_t> index_;  // 0 empty, else entry number + 1
  uint32_t free_head_ = 0;       // erased entries (reused first): 0 none, else entry number + 1
  size_t used_ = 0;              // entry numbers handed out so far
  size_t size_ = 0;
};

}  // namespace attune::detail
