// The Apple layer's exception guard (src/apple/guard.h), as plain C++: every kind of exception
// an entry's body can throw becomes the documented status and a message naming the entry, and
// nothing escapes (the guard is noexcept: an escape would end the process in std::terminate).
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include "apple/guard.h"

namespace {

int passed, failed;

void check(bool ok, const char *what) {
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    ok ? passed++ : failed++;
}

bool last_error_has(const char *text) { return std::strstr(wtconv_last_error(), text) != nullptr; }

struct not_a_std_exception {};

void status_entries() {
    check(wtconv_apple_guard("entry ok", [] { return WTCONV_OK; }) == WTCONV_OK,
          "a body's status passes through");
    check(wtconv_apple_guard("entry io",
                             [] { return wtconv_fail(WTCONV_ERR_IO, "the body's own error"); }) ==
                  WTCONV_ERR_IO &&
              last_error_has("the body's own error"),
          "a body's failure and its message pass through");

    wtconv_status s =
        wtconv_apple_guard("Test create", []() -> wtconv_status { throw std::bad_alloc(); });
    check(s == WTCONV_ERR_OUT_OF_MEMORY, "std::bad_alloc -> WTCONV_ERR_OUT_OF_MEMORY");
    check(last_error_has("Test create") && last_error_has("out of memory"),
          "its message names the entry and says out of memory");

    s = wtconv_apple_guard("Test run", []() -> wtconv_status {
        std::string grown(16, 'x');
        throw std::runtime_error("the stage broke");
    });
    check(s == WTCONV_ERR_BACKEND_FAILURE, "std::runtime_error -> WTCONV_ERR_BACKEND_FAILURE");
    check(last_error_has("Test run") && last_error_has("the stage broke"),
          "its message names the entry and carries what()");

    s = wtconv_apple_guard("Test bind", []() -> wtconv_status {
        (void)std::string().at(3); // std::out_of_range, as a container would throw it
        return WTCONV_OK;
    });
    check(s == WTCONV_ERR_BACKEND_FAILURE && last_error_has("Test bind"),
          "std::out_of_range from a container -> WTCONV_ERR_BACKEND_FAILURE");

    s = wtconv_apple_guard("Test odd", []() -> wtconv_status { throw not_a_std_exception(); });
    check(s == WTCONV_ERR_BACKEND_FAILURE && last_error_has("Test odd") &&
              last_error_has("not a std::exception"),
          "a non-std exception -> WTCONV_ERR_BACKEND_FAILURE, named as such");

    s = wtconv_apple_guard("Test int", []() -> wtconv_status { throw 42; });
    check(s == WTCONV_ERR_BACKEND_FAILURE && last_error_has("Test int"),
          "a thrown int -> WTCONV_ERR_BACKEND_FAILURE");
}

// Entries of the ops table that return no status: the neutral value, the error still recorded.
void other_entries() {
    int available = wtconv_apple_guard("Test available", []() -> int { throw std::bad_alloc(); });
    check(available == 0 && last_error_has("Test available"), "int entry: 0 on an exception");
    check(wtconv_apple_guard("Test available", []() -> int { return 1; }) == 1,
          "int entry: its value otherwise");

    const char *reason = wtconv_apple_guard(
        "Test reason", []() -> const char * { throw std::logic_error("no reason"); });
    check(reason == nullptr && last_error_has("Test reason"),
          "const char * entry: NULL on an exception");

    size_t bytes = wtconv_apple_guard("Test workspace", []() -> size_t { throw 1.5; });
    check(bytes == 0 && last_error_has("Test workspace"), "size_t entry: 0 on an exception");

    bool ran = false;
    wtconv_apple_guard("Test destroy", [&] {
        ran = true;
        throw std::runtime_error("destroy failed");
    });
    check(ran && last_error_has("Test destroy") && last_error_has("destroy failed"),
          "void entry: returns, the exception recorded");
}

} // namespace

int main() {
    auto throws = []() -> int { throw 1; };
    static_assert(noexcept(wtconv_apple_guard("x", throws)), "the guard never throws");
    status_entries();
    other_entries();
    std::printf("apple_guard: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
