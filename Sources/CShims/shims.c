#define _GNU_SOURCE
#include "CShims.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <stdlib.h>

int rcom_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int rcom_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &ev);
}

int rcom_epoll_wait(int epfd, uint64_t *datas, uint32_t *events, int max, int timeout_ms) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    for (int i = 0; i < n; i++) { datas[i] = evs[i].data.u64; events[i] = evs[i].events; }
    return n;
}

int rcom_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

#include <sys/socket.h>
int rcom_accept_nonblocking(int listener) {
    return accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t rcom_termination_flag = 0;
static volatile int rcom_termination_fd = -1;

static void rcom_termination_handler(int sig) {
    (void)sig;
    rcom_termination_flag = 1;
    if (rcom_termination_fd >= 0) {
        uint64_t one = 1;
        ssize_t ignored = write(rcom_termination_fd, &one, sizeof one); /* async-signal-safe */
        (void)ignored;
    }
}

void rcom_install_termination_handler(int wake_fd) {
    rcom_termination_fd = wake_fd;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = rcom_termination_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int rcom_take_termination(void) {
    if (!rcom_termination_flag) return 0;
    rcom_termination_flag = 0;
    return 1;
}

#include <sys/random.h>

long rcom_getrandom(void *buffer, unsigned long length) {
    return (long)getrandom(buffer, length, 0);
}
