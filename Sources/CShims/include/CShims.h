#ifndef RCOM_CSHIMS_H
#define RCOM_CSHIMS_H
// Why this target exists: epoll and eventfd are not exported by Swift's Glibc module,
// and struct epoll_event is packed on x86_64, which Swift cannot import cleanly.
// These wrappers keep the packed struct on the C side.
#include <stdint.h>

int rcom_epoll_create(void);
int rcom_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/// Waits; fills parallel arrays of up to `max` (data, events). Returns count or -1 (errno set).
int rcom_epoll_wait(int epfd, uint64_t *datas, uint32_t *events, int max, int timeout_ms);
int rcom_eventfd(void);
/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC (needs _GNU_SOURCE, which Swift's Glibc lacks).
int rcom_accept_nonblocking(int listener);
/// getrandom(2) with no flags: the kernel CSPRNG (blocks only until the pool is first ready).
long rcom_getrandom(void *buffer, unsigned long length);

/// SIGINT/SIGTERM handler that sets a flag and writes to `wake_fd` (an eventfd), installed
/// synchronously so no signal can slip between "installed" and "announced ready".
void rcom_install_termination_handler(int wake_fd);
/// 1 if a termination signal arrived since the last call (and clears it), else 0.
int rcom_take_termination(void);

/// A hint to start loading `address` into the cache (no fault if it is invalid). For loops
/// that read memory at random places they know in advance: Swift has no prefetch of its own.
static inline void rcom_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

enum {
    RCOM_EPOLLIN = 0x001, RCOM_EPOLLOUT = 0x004, RCOM_EPOLLERR = 0x008, RCOM_EPOLLHUP = 0x010,
    RCOM_EPOLL_CTL_ADD = 1, RCOM_EPOLL_CTL_DEL = 2, RCOM_EPOLL_CTL_MOD = 3
};
#endif
