/* Feature-test macros for the files that use POSIX beyond C11. Include this first, before any
 * system header: feature-test macros act only on headers read after them.
 *
 * glibc (and musl) hide POSIX under -std=c11 (the library is built without GNU extensions), so
 * there we ask for POSIX.1-2008. Darwin and the BSDs show everything by default, and there a
 * _POSIX_C_SOURCE would cap what the headers declare to plain POSIX, hiding the system's own
 * extensions (Darwin's <unistd.h> then drops sysconf's _SC_NPROCESSORS_ONLN, as FreeBSD's
 * does): on Darwin ask for everything (_DARWIN_C_SOURCE wins over a _POSIX_C_SOURCE from the
 * command line), on NetBSD likewise (_NETBSD_SOURCE), on the other BSDs define nothing. */
#ifndef WTCONV_PLATFORM_POSIX_FEATURES_H
#define WTCONV_PLATFORM_POSIX_FEATURES_H

#if defined(_WIN32)
/* Windows: the C runtime's own names (_fileno, _fseeki64); no feature-test macros. */
#elif defined(__APPLE__)
#if !defined(_DARWIN_C_SOURCE)
#define _DARWIN_C_SOURCE
#endif
#elif defined(__NetBSD__)
#if !defined(_NETBSD_SOURCE)
#define _NETBSD_SOURCE
#endif
#elif defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__DragonFly__)
/* Everything is visible unless a POSIX or ANSI level is asked for (__BSD_VISIBLE). */
#elif !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#endif
