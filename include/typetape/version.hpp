// typetape's version, and the language-mode check every public header makes first.
//
//   TYPETAPE_VERSION_MAJOR, _MINOR, _PATCH   0, 1, 0
//   TYPETAPE_VERSION                         major * 10000 + minor * 100 + patch (100 for 0.1.0),
//                                            for #if TYPETAPE_VERSION >= 200
//   TYPETAPE_VERSION_STRING                  "0.1.0"
//
// meson.build's project version must equal TYPETAPE_VERSION_STRING (a meson test checks it).
#pragma once

// typetape's headers use C++20 (concepts, class-type template parameters). In an older mode
// this is the one error a compiler reports: each umbrella header includes this file first
// and skips the rest of its contents unless TYPETAPE_LANGUAGE_OK is 1. (MSVC keeps
// __cplusplus at 199711L unless /Zc:__cplusplus is given; _MSVC_LANG has the real mode.)
#if defined(_MSVC_LANG) && _MSVC_LANG > __cplusplus
#define TYPETAPE_LANGUAGE_OK (_MSVC_LANG >= 202002L)
#else
#define TYPETAPE_LANGUAGE_OK (__cplusplus >= 202002L)
#endif
#if !TYPETAPE_LANGUAGE_OK
#error "typetape needs C++20 or later: compile with -std=c++20 (or /std:c++20)"
#endif

#define TYPETAPE_VERSION_MAJOR 0
#define TYPETAPE_VERSION_MINOR 1
#define TYPETAPE_VERSION_PATCH 0
#define TYPETAPE_VERSION \
  (TYPETAPE_VERSION_MAJOR * 10000 + TYPETAPE_VERSION_MINOR * 100 + TYPETAPE_VERSION_PATCH)
#define TYPETAPE_VERSION_STRING "0.1.0"
