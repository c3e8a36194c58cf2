// attune/model_path.hpp: where the shipped models are found.
//
// Every API that has a "default model" resolves it through find_model(), so the build tree, the
// installed tree and a host's own directory all work without configuration:
//   1. $ATTUNE_MODEL_DIR, if set (a host or a test points attune elsewhere);
//   2. the source tree's models/ (when running from a build tree);
//   3. <prefix>/share/attune/models of the installation;
//   4. ../share/attune/models relative to the library holding attune (a relocated install), then
//      relative to the running executable.
// Thread-safe (reads the environment only).
#pragma once

#include <string>
#include <vector>

namespace attune {

/// The directories searched, in order (existing or not), for diagnostics.
std::vector<std::string> model_search_path();

/// Full path of the first existing file named `file_name` on the search path.
/// Throws attune::error(status::not_found) listing the directories tried.
std::string find_model(const std::string& file_name);

}  // namespace attune
