/* Declarations only, for a syntax check; see tests/apple_sdk/README.md. Not Apple's header.
 *
 * The availability macros of <os/availability.h>, written from Apple's documentation
 * ("Marking API availability in Objective-C",
 * https://developer.apple.com/documentation/swift/marking-api-availability-in-objective-c).
 * Each platform term, such as macos(10.14) or ios(11.0, 15.0), is pasted onto a prefix so that
 * it becomes one clang availability attribute: on a Darwin target clang then enforces it
 * (-Wunguarded-availability-new, @available); on other targets clang records and ignores it. */
#ifndef WTCONV_APPLE_SDK_OS_AVAILABILITY_H
#define WTCONV_APPLE_SDK_OS_AVAILABILITY_H

/* Apple's marker for "will be deprecated in a future release": a version no OS reaches. */
#define API_TO_BE_DEPRECATED 100000

/* Apply one macro to each of up to 8 arguments. The counting list always leaves at least one
 * argument for "...", which C++17 requires. */
#define WT_AV_CAT(a, b) WT_AV_CAT_(a, b)
#define WT_AV_CAT_(a, b) a##b
#define WT_AV_COUNT(...) WT_AV_COUNT_(__VA_ARGS__, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define WT_AV_COUNT_(a1, a2, a3, a4, a5, a6, a7, a8, n, ...) n
#define WT_AV_EACH(f, ...) WT_AV_CAT(WT_AV_EACH_, WT_AV_COUNT(__VA_ARGS__))(f, __VA_ARGS__)
#define WT_AV_EACH_1(f, a) f(a)
#define WT_AV_EACH_2(f, a, ...) f(a) WT_AV_EACH_1(f, __VA_ARGS__)
#define WT_AV_EACH_3(f, a, ...) f(a) WT_AV_EACH_2(f, __VA_ARGS__)
#define WT_AV_EACH_4(f, a, ...) f(a) WT_AV_EACH_3(f, __VA_ARGS__)
#define WT_AV_EACH_5(f, a, ...) f(a) WT_AV_EACH_4(f, __VA_ARGS__)
#define WT_AV_EACH_6(f, a, ...) f(a) WT_AV_EACH_5(f, __VA_ARGS__)
#define WT_AV_EACH_7(f, a, ...) f(a) WT_AV_EACH_6(f, __VA_ARGS__)
#define WT_AV_EACH_8(f, a, ...) f(a) WT_AV_EACH_7(f, __VA_ARGS__)
#define WT_AV_EACH_MSG(f, m, ...)                                                                  \
    WT_AV_CAT(WT_AV_EACH_MSG_, WT_AV_COUNT(__VA_ARGS__))(f, m, __VA_ARGS__)
#define WT_AV_EACH_MSG_1(f, m, a) f(m, a)
#define WT_AV_EACH_MSG_2(f, m, a, ...) f(m, a) WT_AV_EACH_MSG_1(f, m, __VA_ARGS__)
#define WT_AV_EACH_MSG_3(f, m, a, ...) f(m, a) WT_AV_EACH_MSG_2(f, m, __VA_ARGS__)
#define WT_AV_EACH_MSG_4(f, m, a, ...) f(m, a) WT_AV_EACH_MSG_3(f, m, __VA_ARGS__)
#define WT_AV_EACH_MSG_5(f, m, a, ...) f(m, a) WT_AV_EACH_MSG_4(f, m, __VA_ARGS__)
#define WT_AV_EACH_MSG_6(f, m, a, ...) f(m, a) WT_AV_EACH_MSG_5(f, m, __VA_ARGS__)

/* introduced: macos(10.14) -> WT_AV_IN_macos(10.14) -> availability(macos, introduced=10.14).
 * visionOS terms are dropped: clang-14 does not know that platform. */
#define WT_AV_IN(p) WT_AV_IN_##p
#define WT_AV_IN_macos(v) __attribute__((availability(macos, introduced = v)))
#define WT_AV_IN_macosx(v) __attribute__((availability(macos, introduced = v)))
#define WT_AV_IN_ios(v) __attribute__((availability(ios, introduced = v)))
#define WT_AV_IN_tvos(v) __attribute__((availability(tvos, introduced = v)))
#define WT_AV_IN_watchos(v) __attribute__((availability(watchos, introduced = v)))
#define WT_AV_IN_macCatalyst(v) __attribute__((availability(macCatalyst, introduced = v)))
#define WT_AV_IN_visionos(v)

/* unavailable: ios -> availability(ios, unavailable). */
#define WT_AV_UN(p) WT_AV_UN_##p
#define WT_AV_UN_macos __attribute__((availability(macos, unavailable)))
#define WT_AV_UN_macosx __attribute__((availability(macos, unavailable)))
#define WT_AV_UN_ios __attribute__((availability(ios, unavailable)))
#define WT_AV_UN_tvos __attribute__((availability(tvos, unavailable)))
#define WT_AV_UN_watchos __attribute__((availability(watchos, unavailable)))
#define WT_AV_UN_macCatalyst __attribute__((availability(macCatalyst, unavailable)))
#define WT_AV_UN_visionos

/* deprecated: ("msg", macos(10.13, 12.0)) -> availability(macos, introduced=10.13,
 * deprecated=12.0, message="msg"). The platform macro leaves its parenthesis open so that the
 * message can follow it. */
#define WT_AV_DEP(m, p) __attribute__((WT_AV_DEP_##p, message = m)))
#define WT_AV_DEP_macos(i, d) availability(macos, introduced = i, deprecated = d
#define WT_AV_DEP_macosx(i, d) availability(macos, introduced = i, deprecated = d
#define WT_AV_DEP_ios(i, d) availability(ios, introduced = i, deprecated = d
#define WT_AV_DEP_tvos(i, d) availability(tvos, introduced = i, deprecated = d
#define WT_AV_DEP_watchos(i, d) availability(watchos, introduced = i, deprecated = d
#define WT_AV_DEP_macCatalyst(i, d) availability(macCatalyst, introduced = i, deprecated = d
#define WT_AV_REP(r, p) __attribute__((WT_AV_DEP_##p, replacement = r)))

#define API_AVAILABLE(...) WT_AV_EACH(WT_AV_IN, __VA_ARGS__)
#define API_UNAVAILABLE(...) WT_AV_EACH(WT_AV_UN, __VA_ARGS__)
#define API_DEPRECATED(msg, ...) WT_AV_EACH_MSG(WT_AV_DEP, msg, __VA_ARGS__)
#define API_DEPRECATED_WITH_REPLACEMENT(rep, ...) WT_AV_EACH_MSG(WT_AV_REP, rep, __VA_ARGS__)

#endif
