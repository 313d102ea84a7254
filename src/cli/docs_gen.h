#pragma once
/// The manual page stackdr(8) and the bash completion, generated from the command line's own
/// definition (the CLI11 tree main.cc builds): one source, so the page and the completion name
/// exactly the verbs and options the binary accepts. The build writes both with
/// `stackdr --man` and `stackdr --bash-completion`; the package installs what it wrote.

#include <CLI/CLI.hpp>
#include <string>

namespace stackdr {

std::string man_page(const CLI::App& app, const std::string& version);
std::string bash_completion(const CLI::App& app);

}  // namespace stackdr
