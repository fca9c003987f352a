// nanoport/export.hpp: NANOPORT_API marks what libnanoport exports to C++
// programs. The library is built with hidden visibility, so everything else
// (the engine, Asio) stays inside it.
#pragma once

#if defined(_WIN32)
#  if defined(NANOPORT_BUILDING)
#    define NANOPORT_API __declspec(dllexport)
#  else
#    define NANOPORT_API
#  endif
#else
#  define NANOPORT_API __attribute__((visibility("default")))
#endif
