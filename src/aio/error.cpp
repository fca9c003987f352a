// The "nanoport" error category (include/nanoport/error.hpp). It lives in the
// lowest layer because protocols already report EFSM with it.
#include "nanoport/error.hpp"

#include <string>

namespace nanoport {

namespace {

class category final : public std::error_category {
public:
    const char* name() const noexcept override { return "nanoport"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::terminated:
                return "nanoport library was terminated";
            case errc::bad_state:
                return "operation cannot be performed in this state";
        }
        return "unknown nanoport error";
    }
};

}  // namespace

const std::error_category& error_category() noexcept {
    static const category instance;
    return instance;
}

}  // namespace nanoport
