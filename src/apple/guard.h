// Internal (C++17): what becomes of a C++ exception at the border between the C library and
// the Apple layer. Every entry from C into src/apple/*.mm (the backend ops table) runs its body
// through wtconv_apple_guard, via metal_backend.mm's guarded(), which adds the Objective-C
// exceptions; no exception may unwind into a C caller. Plain C++ (no Objective-C), so that it
// is unit-tested on every platform (tests/unit/test_apple_guard.cpp).
#ifndef WTCONV_APPLE_GUARD_H
#define WTCONV_APPLE_GUARD_H

#include <exception>
#include <new>
#include <type_traits>

#include "base/error.h"

// What an entry returns when its body failed with `status` (already recorded with
// wtconv_fail): the status itself for entries that return one, else R{} (0, NULL) or nothing.
template <typename R> R wtconv_apple_failure_result(wtconv_status status) noexcept {
    if constexpr (std::is_same_v<R, wtconv_status>)
        return status;
    else if constexpr (std::is_void_v<R>)
        return;
    else
        return R{};
}

// Must be called inside a catch handler: records the exception in flight as this thread's
// last error, naming `entry`, and returns its status: std::bad_alloc is
// WTCONV_ERR_OUT_OF_MEMORY, anything else WTCONV_ERR_BACKEND_FAILURE.
inline wtconv_status wtconv_apple_exception_status(const char *entry) noexcept {
    try {
        throw;
    } catch (const std::bad_alloc &) {
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "%s: out of memory", entry);
    } catch (const std::exception &e) {
        return wtconv_fail(WTCONV_ERR_BACKEND_FAILURE, "%s: unexpected C++ exception: %s", entry,
                           e.what());
    } catch (...) {
        return wtconv_fail(WTCONV_ERR_BACKEND_FAILURE,
                           "%s: unexpected exception (not a std::exception)", entry);
    }
}

// Runs body() and returns what it returns; if it throws, the exception is recorded (see
// wtconv_apple_exception_status) and the entry returns wtconv_apple_failure_result. Never
// throws. `entry` names the C entry point in the message, e.g. "Metal backend create".
template <typename Body>
auto wtconv_apple_guard(const char *entry, Body &&body) noexcept -> decltype(body()) {
    using result = decltype(body());
    try {
        return body();
    } catch (...) {
        return wtconv_apple_failure_result<result>(wtconv_apple_exception_status(entry));
    }
}

#endif
