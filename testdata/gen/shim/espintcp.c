/*
 * espintcp.c: LD_PRELOAD shim that stands in for the Linux "espintcp" TCP
 * upper-layer protocol (RFC 8229 framing) for libreswan's pluto.
 *
 * With enable-tcp / listen-tcp, pluto 4.10 opens (or accepts) a TCP socket,
 * the initiator writes the 6-octet stream prefix "IKETCP", then pluto calls
 * setsockopt(fd, IPPROTO_TCP, TCP_ULP, "espintcp") and from then on relies on
 * the kernel for the RFC 8229 framing:
 *   - each write() of pluto (non-ESP marker 0x00000000 + IKE message) leaves
 *     the kernel as one frame: 2-octet big-endian length (counting the length
 *     field itself) + the bytes written;
 *   - each read() returns one frame without its length field (the non-ESP
 *     marker stays; pluto checks and strips it).
 * The corpus kernel has no espintcp (setsockopt fails with ENOENT), so this
 * shim answers that setsockopt with success, remembers the fd, and does the
 * framing itself on that fd: write() adds the length, read() returns exactly
 * one frame without it. The socket stays a plain TCP stream, so the bytes on
 * the wire are what espintcp would put there. Frames with a non-zero marker
 * (ESP in TCP) cannot occur here (no ESP SA exists); they would be dropped and
 * logged. Everything else passes through unchanged.
 *
 * Framed I/O uses raw syscalls so that other preloaded shims (xfrm_ack.so,
 * which also wraps read/write) cannot recurse into this one; other fds pass
 * through to the next definition (RTLD_NEXT).
 * Each action is logged to $IKF_SHIM_LOG, prefixed "espintcp:".
 *
 * Build: gcc -shared -fPIC -O2 -o espintcp.so espintcp.c -ldl
 * Test-lab tool only (written for testdata/gen; generation time, root).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif

#define MAXFD 1024
#define MAXFRAME 65535
#define WAIT_MS 2000 /* bound on waiting for the rest of a frame / a full send */

static unsigned char framed[MAXFD];

static int (*real_setsockopt)(int, int, int, const void *, socklen_t);
static int (*real_close)(int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_send)(int, const void *, size_t, int);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_recv)(int, void *, size_t, int);

static void init(void)
{
	if (real_setsockopt)
		return;
	real_setsockopt = dlsym(RTLD_NEXT, "setsockopt");
	real_close = dlsym(RTLD_NEXT, "close");
	real_write = dlsym(RTLD_NEXT, "write");
	real_send = dlsym(RTLD_NEXT, "send");
	real_read = dlsym(RTLD_NEXT, "read");
	real_recv = dlsym(RTLD_NEXT, "recv");
}

static void note(const char *fmt, ...)
{
	const char *path = getenv("IKF_SHIM_LOG");
	FILE *f;
	va_list ap;
	struct timeval tv;

	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return;
	gettimeofday(&tv, NULL);
	fprintf(f, "espintcp: %02ld:%02ld:%02ld.%06ld ", (long)(tv.tv_sec / 3600 % 24),
		(long)(tv.tv_sec / 60 % 60), (long)(tv.tv_sec % 60), (long)tv.tv_usec);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static int is_framed(int fd)
{
	return fd >= 0 && fd < MAXFD && framed[fd];
}

static ssize_t sys_recv(int fd, void *buf, size_t len, int flags)
{
	return syscall(SYS_recvfrom, fd, buf, len, flags, NULL, NULL);
}

static ssize_t sys_send(int fd, const void *buf, size_t len)
{
	return syscall(SYS_sendto, fd, buf, len, MSG_NOSIGNAL, NULL, 0);
}

static int wait_fd(int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };
	return poll(&p, 1, WAIT_MS) > 0;
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	init();
	if (level == IPPROTO_TCP && name == TCP_ULP && val != NULL && len >= 8 &&
	    memcmp(val, "espintcp", 8) == 0 && fd >= 0 && fd < MAXFD) {
		int rc = real_setsockopt(fd, level, name, val, len);
		if (rc == 0) {
			note("fd %d: kernel has espintcp; not shimming", fd);
			return 0;
		}
		framed[fd] = 1;
		note("fd %d: setsockopt(TCP_ULP, \"espintcp\") failed in the kernel (errno %d, %s); "
		     "reported success, shim does the RFC 8229 length framing on this fd", fd, errno,
		     strerror(errno));
		return 0;
	}
	return real_setsockopt(fd, level, name, val, len);
}

int close(int fd)
{
	init();
	if (is_framed(fd)) {
		framed[fd] = 0;
		note("fd %d: closed", fd);
	}
	return real_close(fd);
}

/* framed_write: one frame = 2-octet length (len + 2) + buf */
static ssize_t framed_write(int fd, const void *buf, size_t len)
{
	unsigned char out[MAXFRAME];
	size_t n = len + 2, done = 0;
	const unsigned char *b = buf;

	if (n > MAXFRAME) {
		errno = EMSGSIZE;
		return -1;
	}
	out[0] = n >> 8;
	out[1] = n & 0xff;
	memcpy(out + 2, buf, len);
	while (done < n) {
		ssize_t w = sys_send(fd, out + done, n - done);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			if (!wait_fd(fd, POLLOUT)) {
				note("fd %d: write of %zu-byte frame stalled after %zu bytes", fd, n, done);
				return done == 0 ? -1 : (ssize_t)len; /* partial frame: stream is broken anyway */
			}
			continue;
		}
		if (w < 0) {
			int e = errno;
			note("fd %d: write failed: %s", fd, strerror(e));
			errno = e;
			return -1;
		}
		done += w;
	}
	note("fd %d: wrote frame: length field %zu, %zu bytes from pluto (marker %02x%02x%02x%02x)",
	     fd, n, len, len > 0 ? b[0] : 0, len > 1 ? b[1] : 0, len > 2 ? b[2] : 0, len > 3 ? b[3] : 0);
	return len;
}

/* framed_read: consume exactly one frame, give pluto its body (marker + IKE) */
static ssize_t framed_read(int fd, void *buf, size_t len)
{
	unsigned char in[MAXFRAME];
	unsigned char hdr[2];
	ssize_t r;
	size_t n;

	for (;;) {
		r = sys_recv(fd, hdr, 2, MSG_PEEK | MSG_DONTWAIT);
		if (r <= 0) {
			if (r == 0)
				note("fd %d: EOF", fd);
			return r;  /* EOF, EAGAIN or error: as the kernel would say */
		}
		if (r == 1) {
			if (!wait_fd(fd, POLLIN)) {
				errno = EAGAIN;
				return -1;
			}
			continue;
		}
		n = (size_t)hdr[0] << 8 | hdr[1];
		if (n < 2) {
			note("fd %d: frame length field %zu < 2: stream broken", fd, n);
			errno = EPROTO;
			return -1;
		}
		/* wait (bounded) until the whole frame is queued, then consume it */
		for (;;) {
			r = sys_recv(fd, in, n, MSG_PEEK | MSG_DONTWAIT);
			if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return r;
			if (r == 0) {
				note("fd %d: EOF inside a frame", fd);
				return 0;
			}
			if (r == (ssize_t)n)
				break;
			if (!wait_fd(fd, POLLIN)) {
				note("fd %d: incomplete frame (%zd of %zu bytes) after %d ms", fd, r, n, WAIT_MS);
				errno = EAGAIN;
				return -1;
			}
		}
		r = sys_recv(fd, in, n, 0);
		if (r != (ssize_t)n) {
			note("fd %d: consuming frame: got %zd of %zu bytes", fd, r, n);
			errno = EIO;
			return -1;
		}
		if (n >= 6 && (in[2] | in[3] | in[4] | in[5]) != 0) {
			note("fd %d: dropped %zu-byte frame with non-zero marker (ESP in TCP; no ESP here)", fd, n);
			continue;
		}
		n -= 2;
		if (n > len) {
			note("fd %d: frame body %zu bytes > buffer %zu: truncated", fd, n, len);
			n = len;
		}
		memcpy(buf, in + 2, n);
		note("fd %d: read frame: length field %zu, gave pluto %zu bytes (length field stripped)", fd,
		     n + 2, n);
		return n;
	}
}

ssize_t write(int fd, const void *buf, size_t len)
{
	init();
	if (is_framed(fd))
		return framed_write(fd, buf, len);
	return real_write(fd, buf, len);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	init();
	if (is_framed(fd))
		return framed_write(fd, buf, len);
	return real_send(fd, buf, len, flags);
}

ssize_t read(int fd, void *buf, size_t len)
{
	init();
	if (is_framed(fd))
		return framed_read(fd, buf, len);
	return real_read(fd, buf, len);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	init();
	if (is_framed(fd) && !(flags & MSG_PEEK))
		return framed_read(fd, buf, len);
	return real_recv(fd, buf, len, flags);
}
