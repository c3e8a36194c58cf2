#include <attune/text/tokenizer.hpp>
#include <attune/version.hpp>

#include <cstdio>
#include <cstring>

int main() {
  const auto tokens = attune::text::Tokenizer().tokenize("not bad :)");
  if (tokens.size() != 3 || !tokens[1].has(attune::text::flag_negated)) return 1;
  if (std::strcmp(attune::version_string(), ATTUNE_VERSION_STRING) != 0) return 1;
  std::puts("consumer_cpp ok");
  return 0;
}
