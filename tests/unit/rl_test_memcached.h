/* Start and stop a real memcached on 127.0.0.1 for the rate-limit tests, and
 * read its item count. Header-only: included by one test program each. */
#ifndef RELAY_TESTS_RL_TEST_MEMCACHED_H
#define RELAY_TESTS_RL_TEST_MEMCACHED_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct test_mc {
    pid_t pid;
    int port;
};

static inline int test_free_port(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static inline int test_connect(int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

/* Start memcached on port (0: a free one). Returns 0 once it accepts, -1 if
 * it did not within 5 s. */
static inline int test_mc_start(struct test_mc *m, int port)
{
    m->port = port ? port : test_free_port();
    m->pid = fork();
    if (m->pid == 0) {
        char p[16];
        snprintf(p, sizeof p, "%d", m->port);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, 1);
        if (geteuid() == 0)     /* memcached refuses root without -u */
            execlp("memcached", "memcached", "-l", "127.0.0.1", "-p", p, "-U", "0", "-m", "16",
                   "-u", "nobody", (char *)NULL);
        else
            execlp("memcached", "memcached", "-l", "127.0.0.1", "-p", p, "-U", "0", "-m", "16",
                   (char *)NULL);
        _exit(127);
    }
    for (int i = 0; m->pid > 0 && i < 500; i++) {
        int fd = test_connect(m->port);
        if (fd >= 0) {
            close(fd);
            return 0;
        }
        if (waitpid(m->pid, NULL, WNOHANG) == m->pid) {
            m->pid = -1;
            return -1;
        }
        usleep(10000);
    }
    return -1;
}

static inline void test_mc_kill(struct test_mc *m)
{
    if (m->pid > 0) {
        kill(m->pid, SIGKILL);
        waitpid(m->pid, NULL, 0);
    }
    m->pid = -1;
}

/* "stats" curr_items, or -1. */
static inline long test_mc_items(const struct test_mc *m)
{
    int fd = test_connect(m->port);
    char buf[8192];
    size_t got = 0;
    long items = -1;
    if (fd < 0)
        return -1;
    if (write(fd, "stats\r\n", 7) == 7) {
        while (got < sizeof buf - 1) {
            ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
            if (n <= 0)
                break;
            got += (size_t)n;
            buf[got] = '\0';
            if (strstr(buf, "END\r\n"))
                break;
        }
        buf[got] = '\0';
        const char *p = strstr(buf, "STAT curr_items ");
        if (p)
            items = strtol(p + 16, NULL, 10);
    }
    close(fd);
    return items;
}

#endif
