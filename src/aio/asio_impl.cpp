// The one translation unit that compiles Asio (ASIO_SEPARATE_COMPILATION):
// every other unit includes Asio's headers only.
#include <asio/impl/src.hpp>
#include <asio/ssl/impl/src.hpp>
