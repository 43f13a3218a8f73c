/*
 * bench/watch's reader of many watch streams: opens N connections to GET /watch?<query> on 127.0.0.1:PORT, reads
 * everything they send as fast as epoll says it is there, and when a line arrives on stdin (or stdin closes),
 * prints "<bytes read> <streams that got an error event> <streams the server closed>" and exits. Written in C
 * because a Python reader of 1,000 busy streams takes more CPU than the server that writes them.
 *
 * usage: watch-drain PORT N QUERY
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static int open_stream(int port, const char *query) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *) &addr, sizeof addr) < 0) {
        perror("connect");
        exit(1);
    }
    char request[512];
    int n = snprintf(request, sizeof request, "GET /watch?%s HTTP/1.1\r\nHost: localhost\r\n\r\n", query);
    if (write(fd, request, n) != n) {
        perror("write");
        exit(1);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: watch-drain PORT N QUERY\n");
        return 2;
    }
    int port = atoi(argv[1]), n = atoi(argv[2]);
    int ep = epoll_create1(0);
    char *cut = calloc(n + 1, 1);
    for (int i = 0; i < n; i++) {
        int fd = open_stream(port, argv[3]);
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = ((unsigned long long) i << 32) | (unsigned) fd};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    struct epoll_event in = {.events = EPOLLIN, .data.u64 = 0xffffffffULL << 32};
    epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in);
    printf("open\n");
    fflush(stdout);
    static char buf[1 << 20];
    unsigned long long total = 0;
    int cuts = 0, closed = 0;
    struct epoll_event events[256];
    for (;;) {
        int ready = epoll_wait(ep, events, 256, 1000);
        for (int e = 0; e < ready; e++) {
            unsigned long long data = events[e].data.u64;
            if ((data >> 32) == 0xffffffffULL) {
                printf("%llu %d %d\n", total, cuts, closed);
                return 0;
            }
            int i = (int) (data >> 32), fd = (int) (data & 0xffffffffULL);
            ssize_t got = read(fd, buf, sizeof buf);
            if (got > 0) {
                total += got;
                if (!cut[i] && memmem(buf, got, "event: error", 12)) {
                    cut[i] = 1;
                    cuts++;
                }
            } else if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                close(fd);
                closed++;
            }
        }
    }
}
