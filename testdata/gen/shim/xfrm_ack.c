/*
 * xfrm_ack.c: LD_PRELOAD shim for libreswan's pluto on kernels without ESP.
 *
 * The corpus machines have NETLINK_XFRM but no kernel ESP, so pluto's
 * XFRM_MSG_NEWSA for an ESP SA fails ("Protocol not supported") and pluto
 * tears the IKE SA down. This shim watches the NETLINK_XFRM sockets pluto
 * opens: an ESP XFRM_MSG_NEWSA, XFRM_MSG_UPDSA or XFRM_MSG_DELSA request is
 * not given to the kernel; instead the next receive on that socket returns
 * the ACK the kernel would send (NLMSG_ERROR with error 0, same sequence
 * number). Everything else passes through unchanged. No ESP can flow: the
 * "installed" SAs exist only in pluto's memory.
 *
 * Build: gcc -shared -fPIC -O2 -o xfrm_ack.so xfrm_ack.c -ldl
 * Test-lab tool only (written for testdata/gen; generation time, root).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAXFD 1024

static unsigned char is_xfrm[MAXFD];
/* one pending fake ACK per fd (pluto waits for each answer before the next) */
static struct {
	int pending;
	struct nlmsghdr req;
} ack[MAXFD];

static int (*real_socket)(int, int, int);
static ssize_t (*real_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);
static ssize_t (*real_read)(int, void *, size_t);
static int (*real_close)(int);

static void init(void)
{
	if (real_socket)
		return;
	real_socket = dlsym(RTLD_NEXT, "socket");
	real_sendto = dlsym(RTLD_NEXT, "sendto");
	real_sendmsg = dlsym(RTLD_NEXT, "sendmsg");
	real_write = dlsym(RTLD_NEXT, "write");
	real_recvfrom = dlsym(RTLD_NEXT, "recvfrom");
	real_recvmsg = dlsym(RTLD_NEXT, "recvmsg");
	real_read = dlsym(RTLD_NEXT, "read");
	real_close = dlsym(RTLD_NEXT, "close");
}

static void note(const char *fmt, ...)
{
	const char *path = getenv("IKF_SHIM_LOG");
	FILE *f;
	va_list ap;

	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

int socket(int domain, int type, int protocol)
{
	int fd;

	init();
	fd = real_socket(domain, type, protocol);
	if (fd >= 0 && fd < MAXFD) {
		is_xfrm[fd] = domain == AF_NETLINK && protocol == NETLINK_XFRM;
		ack[fd].pending = 0;
	}
	return fd;
}

int close(int fd)
{
	init();
	if (fd >= 0 && fd < MAXFD) {
		is_xfrm[fd] = 0;
		ack[fd].pending = 0;
	}
	return real_close(fd);
}

/* intercept returns 1 when the request is an ESP SA change to acknowledge. */
static int intercept(int fd, const void *buf, size_t len)
{
	const struct nlmsghdr *h = buf;
	const unsigned char *body;
	size_t blen;
	int proto = -1;
	unsigned int spi = 0;

	if (fd < 0 || fd >= MAXFD || !is_xfrm[fd] || len < sizeof(*h) || h->nlmsg_len > len)
		return 0;
	body = (const unsigned char *)buf + NLMSG_HDRLEN;
	blen = h->nlmsg_len >= NLMSG_HDRLEN ? h->nlmsg_len - NLMSG_HDRLEN : 0;
	switch (h->nlmsg_type) {
	case XFRM_MSG_NEWSA:
	case XFRM_MSG_UPDSA:
		if (blen >= sizeof(struct xfrm_usersa_info)) {
			const struct xfrm_usersa_info *p = (const void *)body;
			proto = p->id.proto;
			spi = ntohl(p->id.spi);
		}
		break;
	case XFRM_MSG_DELSA:
		if (blen >= sizeof(struct xfrm_usersa_id)) {
			const struct xfrm_usersa_id *p = (const void *)body;
			proto = p->proto;
			spi = ntohl(p->spi);
		}
		break;
	default:
		return 0;
	}
	if (proto != IPPROTO_ESP)
		return 0;
	ack[fd].pending = 1;
	ack[fd].req = *h;
	note("xfrm_ack: fd %d: acknowledged %s for ESP SPI 0x%08x (seq %u) without the kernel", fd,
	     h->nlmsg_type == XFRM_MSG_NEWSA ? "XFRM_MSG_NEWSA" :
	     h->nlmsg_type == XFRM_MSG_UPDSA ? "XFRM_MSG_UPDSA" : "XFRM_MSG_DELSA",
	     spi, h->nlmsg_seq);
	return 1;
}

/* fill writes the fake ACK into buf; returns its length. */
static ssize_t fill(int fd, void *buf, size_t len, struct sockaddr *from, socklen_t *fromlen)
{
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} m;
	size_t n = sizeof(m);

	memset(&m, 0, sizeof(m));
	m.h.nlmsg_len = sizeof(m);
	m.h.nlmsg_type = NLMSG_ERROR;
	m.h.nlmsg_seq = ack[fd].req.nlmsg_seq;
	m.h.nlmsg_pid = ack[fd].req.nlmsg_pid;
	m.e.error = 0;
	m.e.msg = ack[fd].req;
	ack[fd].pending = 0;
	if (n > len)
		n = len;
	memcpy(buf, &m, n);
	if (from != NULL && fromlen != NULL) {
		struct sockaddr_nl nl;
		memset(&nl, 0, sizeof(nl));
		nl.nl_family = AF_NETLINK;
		memcpy(from, &nl, *fromlen < sizeof(nl) ? *fromlen : sizeof(nl));
		*fromlen = sizeof(nl);
	}
	return n;
}

static int has_ack(int fd)
{
	return fd >= 0 && fd < MAXFD && ack[fd].pending;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)
{
	init();
	if (intercept(fd, buf, len))
		return len;
	return real_sendto(fd, buf, len, flags, to, tolen);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	return sendto(fd, buf, len, flags, NULL, 0);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	init();
	if (intercept(fd, buf, len))
		return len;
	return real_write(fd, buf, len);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	init();
	if (msg != NULL && msg->msg_iovlen == 1 && intercept(fd, msg->msg_iov[0].iov_base, msg->msg_iov[0].iov_len))
		return msg->msg_iov[0].iov_len;
	return real_sendmsg(fd, msg, flags);
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	init();
	if (has_ack(fd))
		return fill(fd, buf, len, from, fromlen);
	return real_recvfrom(fd, buf, len, flags, from, fromlen);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	return recvfrom(fd, buf, len, flags, NULL, NULL);
}

ssize_t read(int fd, void *buf, size_t len)
{
	init();
	if (has_ack(fd))
		return fill(fd, buf, len, NULL, NULL);
	return real_read(fd, buf, len);
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	init();
	if (has_ack(fd) && msg != NULL && msg->msg_iovlen >= 1) {
		socklen_t fl = msg->msg_namelen;
		ssize_t n = fill(fd, msg->msg_iov[0].iov_base, msg->msg_iov[0].iov_len,
				 msg->msg_name, msg->msg_name ? &fl : NULL);
		msg->msg_namelen = msg->msg_name ? fl : 0;
		msg->msg_flags = 0;
		msg->msg_controllen = 0;
		return n;
	}
	return real_recvmsg(fd, msg, flags);
}
