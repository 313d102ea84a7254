#pragma once
/// Name ↔ enum through one table of names indexed by the enumerator (the X-macro lists of
/// model/cause.h and store/journal.h expand into such tables).

#include <cstddef>
#include <optional>
#include <string_view>

namespace stackdr {

template <typename E, size_t N>
const char* enum_name(const char* const (&names)[N], E e, const char* unknown) {
  auto i = static_cast<size_t>(e);
  return i < N ? names[i] : unknown;
}

template <typename E, size_t N>
std::optional<E> enum_from_name(const char* const (&names)[N], std::string_view name) {
  for (size_t i = 0; i < N; ++i)
    if (name == names[i]) return static_cast<E>(i);
  return std::nullopt;
}

}  // namespace stackdr
