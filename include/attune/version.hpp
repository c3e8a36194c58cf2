// attune/version.hpp: library version (semantic versioning).
//
// The header version is fixed at compile time; attune::version_string() reports the version of the
// compiled library, so a host can check that the headers it was built with match what it links.
#pragma once

#define ATTUNE_VERSION_MAJOR 0
#define ATTUNE_VERSION_MINOR 1
#define ATTUNE_VERSION_PATCH 0
#define ATTUNE_VERSION_STRING "0.1.0"
#define ATTUNE_VERSION_NUMBER (ATTUNE_VERSION_MAJOR * 10000 + ATTUNE_VERSION_MINOR * 100 + ATTUNE_VERSION_PATCH)

namespace attune {

/// Version of the compiled library, e.g. "0.1.0". Thread-safe; returns a static string.
const char* version_string() noexcept;

/// Version of the compiled library as MAJOR*10000 + MINOR*100 + PATCH.
int version_number() noexcept;

}  // namespace attune
