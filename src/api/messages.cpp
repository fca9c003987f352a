// Zero-copy message buffers (nn_allocmsg, nn_reallocmsg, nn_freemsg) and the
// control-message walker behind NN_CMSG_FIRSTHDR / NN_CMSG_NXTHDR.
//
// An NN_MSG buffer is the data of an aio::chunk: chunk::from_data() leads from
// the user's pointer back to it, so nn_send(..., NN_MSG) hands the very chunk
// to the pipes and nn_recv(..., NN_MSG) hands a received chunk to the user,
// without copying. The user's pointer owns one reference.
#include <algorithm>
#include <cstring>
#include <new>

#include "aio/message.hpp"
#include "api/errors.hpp"
#include "nanomsg/nn.h"

extern "C" void* nn_allocmsg(size_t size, int type) {
    // nanomsg has one allocator type, 0 (its others never shipped).
    if (type != 0) {
        errno = EINVAL;
        return nullptr;
    }
    try {
        return nanoport::aio::chunk::allocate(size)->data();
    } catch (const std::bad_alloc&) {
        errno = ENOMEM;
        return nullptr;
    }
}

extern "C" void* nn_reallocmsg(void* msg, size_t size) {
    using nanoport::aio::chunk;
    if (!msg) {
        errno = EFAULT;
        return nullptr;
    }
    chunk* c = chunk::from_data(msg);
    if (c->shared()) {
        // Another reference still reads these bytes: move to a copy.
        chunk* fresh;
        try {
            fresh = chunk::allocate(size);
        } catch (const std::bad_alloc&) {
            errno = ENOMEM;
            return nullptr;
        }
        std::memcpy(fresh->data(), c->data(), std::min(size, c->size()));
        c->release();
        return fresh->data();
    }
    chunk* resized = chunk::reallocate(c, size);
    if (!resized) {
        errno = ENOMEM;
        return nullptr;
    }
    return resized->data();
}

extern "C" int nn_freemsg(void* msg) {
    // nanomsg crashes on NULL; failing is kinder.
    if (!msg) return nanoport::api::fail_errno(EFAULT);
    nanoport::aio::chunk::from_data(msg)->release();
    return 0;
}

extern "C" struct nn_cmsghdr* nn_cmsg_nxthdr_(const struct nn_msghdr* mhdr,
                                              const struct nn_cmsghdr* cmsg) {
    if (!mhdr || !mhdr->msg_control) return nullptr;
    unsigned char* data;
    size_t size;
    if (mhdr->msg_controllen == NN_MSG) {
        // msg_control points to the pointer to an NN_MSG buffer.
        data = *static_cast<unsigned char**>(mhdr->msg_control);
        if (!data) return nullptr;
        size = nanoport::aio::chunk::from_data(data)->size();
    } else {
        data = static_cast<unsigned char*>(mhdr->msg_control);
        size = mhdr->msg_controllen;
    }
    if (size < NN_CMSG_SPACE(0)) return nullptr;

    unsigned char* next;
    if (!cmsg) {
        next = data;
    } else {
        // A header shorter than itself would make the walk loop for ever.
        if (cmsg->cmsg_len < sizeof(struct nn_cmsghdr) || cmsg->cmsg_len > size) return nullptr;
        next = const_cast<unsigned char*>(reinterpret_cast<const unsigned char*>(cmsg)) +
               NN_CMSG_ALIGN_(cmsg->cmsg_len);
    }
    const size_t offset = static_cast<size_t>(next - data);
    if (offset > size || size - offset < NN_CMSG_SPACE(0)) return nullptr;
    auto* header = reinterpret_cast<struct nn_cmsghdr*>(next);
    if (header->cmsg_len > size - offset || NN_CMSG_ALIGN_(header->cmsg_len) > size - offset) {
        return nullptr;
    }
    return header;
}
