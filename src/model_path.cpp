#include "attune/model_path.hpp"

#include "attune/error.hpp"

#include <cstdlib>
#include <fstream>

#if defined(__linux__) || defined(__APPLE__)
#include <dlfcn.h>
#include <unistd.h>
#endif

namespace attune {
namespace {

bool file_exists(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return f.good();
}

std::string executable_dir() {
#if defined(__linux__)
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    std::string p(buf, static_cast<size_t>(n));
    const auto slash = p.find_last_of('/');
    if (slash != std::string::npos) return p.substr(0, slash);
  }
#endif
  return {};
}

// Directory of the binary (executable or shared library) that contains this code: an installed
// libattune.so finds <prefix>/share/attune/models even when the tree was moved.
std::string library_dir() {
#if defined(__linux__) || defined(__APPLE__)
  Dl_info info{};
  if (::dladdr(reinterpret_cast<const void*>(&library_dir), &info) != 0 && info.dli_fname != nullptr) {
    std::string p(info.dli_fname);
    const auto slash = p.find_last_of('/');
    if (slash != std::string::npos) return p.substr(0, slash);
  }
#endif
  return {};
}

}  // namespace

std::vector<std::string> model_search_path() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("ATTUNE_MODEL_DIR"); env && *env) dirs.emplace_back(env);
#ifdef ATTUNE_SOURCE_MODEL_DIR
  dirs.emplace_back(ATTUNE_SOURCE_MODEL_DIR);
#endif
#ifdef ATTUNE_INSTALL_MODEL_DIR
  dirs.emplace_back(ATTUNE_INSTALL_MODEL_DIR);
#endif
  if (auto lib = library_dir(); !lib.empty()) dirs.push_back(lib + "/../share/attune/models");
  if (auto exe = executable_dir(); !exe.empty()) dirs.push_back(exe + "/../share/attune/models");
  return dirs;
}

std::string find_model(const std::string& file_name) {
  std::string tried;
  for (const auto& dir : model_search_path()) {
    std::string path = dir + "/" + file_name;
    if (file_exists(path)) return path;
    tried += (tried.empty() ? "" : ", ") + dir;
  }
  throw error(status::not_found,
              "model file '" + file_name + "' not found; searched: " + tried +
                  " (set ATTUNE_MODEL_DIR to the directory holding it)");
}

}  // namespace attune
