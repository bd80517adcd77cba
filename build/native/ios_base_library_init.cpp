// libLibTorchSharp.so 0.107 is built against GCC 13's libstdc++, whose <iostream> calls
// std::ios_base_library_init() (GLIBCXX_3.4.32) from static initialisers. Older libstdc++
// (Debian 12, Ubuntu 22.04) lacks that one symbol; constructing an ios_base::Init is exactly what
// the real function does, so exporting it under the expected version node is a faithful stand-in.
#include <ios>

namespace std {
void ios_base_library_init() { static ios_base::Init init; }
}  // namespace std
