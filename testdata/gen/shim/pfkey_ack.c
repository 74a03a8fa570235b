/*
 * pfkey_ack.c: LD_PRELOAD shim for OpenIKED's iked on kernels without PF_KEY.
 *
 * socket(PF_KEY, SOCK_RAW, PF_KEY_V2) fails here (no af_key). The shim
 * returns an AF_UNIX datagram socket bound to an abstract name
 * "\0ikf-pfkey-PID-N" instead. Every PF_KEY v2 message iked writes to such a
 * socket (in any iked process: the socket is passed between them) is
 * answered by sending the reply the kernel would send to that socket:
 * the request's header with errno 0 and, for SADB_GETSPI, an SA extension
 * with a fresh SPI from the requested range. SADB_GET (SA statistics) is
 * answered with ESRCH. Nothing is installed anywhere: iked completes its
 * exchanges but no ESP can flow.
 *
 * iked also sets IP_IPSEC_POLICY / IPV6_IPSEC_POLICY on its IKE sockets to
 * bypass IPsec; without kernel IPsec that fails (EOPNOTSUPP) and iked would
 * not use the socket, so such a failure is reported as success (and noted).
 *
 * Build: gcc -shared -fPIC -O2 -o pfkey_ack.so pfkey_ack.c -ldl
 * Test-lab tool only (written for testdata/gen; generation time, root).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/pfkeyv2.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define PREFIX "ikf-pfkey-"

static int (*real_socket)(int, int, int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_send)(int, const void *, size_t, int);
static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
static int (*real_setsockopt)(int, int, int, const void *, socklen_t);
static int counter;

static void init(void)
{
	if (real_socket)
		return;
	real_socket = dlsym(RTLD_NEXT, "socket");
	real_write = dlsym(RTLD_NEXT, "write");
	real_writev = dlsym(RTLD_NEXT, "writev");
	real_send = dlsym(RTLD_NEXT, "send");
	real_sendmsg = dlsym(RTLD_NEXT, "sendmsg");
	real_setsockopt = dlsym(RTLD_NEXT, "setsockopt");
}

static int logfd = -1;

/* openlog_early opens IKF_SHIM_LOG before iked's processes chroot. */
__attribute__((constructor)) static void openlog_early(void)
{
	const char *path = getenv("IKF_SHIM_LOG");
	int fd;

	if (path == NULL || (fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644)) < 0)
		return;
	logfd = fcntl(fd, F_DUPFD, 900);
	close(fd);
}

static void note(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (logfd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	init();
	real_write(logfd, buf, n);
}

int socket(int domain, int type, int protocol)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	init();
	if (domain != PF_KEY)
		return real_socket(domain, type, protocol);
	fd = real_socket(AF_UNIX, SOCK_DGRAM | (type & (SOCK_NONBLOCK | SOCK_CLOEXEC)), 0);
	if (fd < 0)
		return fd;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	len = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, PREFIX "%d-%d", (int)getpid(), counter++);
	if (bind(fd, (struct sockaddr *)&sun, offsetof(struct sockaddr_un, sun_path) + 1 + len) < 0) {
		close(fd);
		errno = EAFNOSUPPORT;
		return -1;
	}
	note("pfkey_ack: fd %d is a fake PF_KEY socket (@%s)", fd, sun.sun_path + 1);
	return fd;
}

/* fake_addr fills the fd's abstract address when fd is one of our sockets. */
static int fake_addr(int fd, struct sockaddr_un *sun, socklen_t *len)
{
	*len = sizeof(*sun);
	memset(sun, 0, sizeof(*sun));
	if (getsockname(fd, (struct sockaddr *)sun, len) < 0 || sun->sun_family != AF_UNIX)
		return 0;
	if (*len < offsetof(struct sockaddr_un, sun_path) + 1 + strlen(PREFIX))
		return 0;
	return sun->sun_path[0] == '\0' && memcmp(sun->sun_path + 1, PREFIX, strlen(PREFIX)) == 0;
}

static const char *tname(int t)
{
	static const char *n[] = {"RESERVED", "GETSPI", "UPDATE", "ADD", "DELETE", "GET", "ACQUIRE",
		"REGISTER", "EXPIRE", "FLUSH", "DUMP", "X_PROMISC", "X_PCHANGE", "X_SPDUPDATE",
		"X_SPDADD", "X_SPDDELETE", "X_SPDGET", "X_SPDACQUIRE", "X_SPDDUMP", "X_SPDFLUSH",
		"X_SPDSETIDX", "X_SPDEXPIRE", "X_SPDDELETE2", "X_NAT_T_NEW_MAPPING", "X_MIGRATE"};
	return t >= 0 && t < (int)(sizeof(n) / sizeof(n[0])) ? n[t] : "?";
}

/* answer handles one PF_KEY request in buf; returns 1 when it was one. */
static int answer(int fd, const unsigned char *buf, size_t len)
{
	struct sockaddr_un sun;
	socklen_t alen;
	struct sadb_msg req, *rep;
	unsigned char out[64];
	size_t n = sizeof(struct sadb_msg), off;
	int s;

	if (len < sizeof(req) || !fake_addr(fd, &sun, &alen))
		return 0;
	memcpy(&req, buf, sizeof(req));
	if (req.sadb_msg_version != PF_KEY_V2 || (size_t)req.sadb_msg_len * 8 != len)
		return 0;
	memset(out, 0, sizeof(out));
	rep = (struct sadb_msg *)out;
	*rep = req;
	rep->sadb_msg_errno = 0;
	if (req.sadb_msg_type == SADB_GET) {
		rep->sadb_msg_errno = ESRCH;
	} else if (req.sadb_msg_type == SADB_GETSPI) {
		uint32_t lo = 0x100, hi = 0xffffffff, spi;
		struct sadb_sa sa;
		for (off = sizeof(req); off + sizeof(struct sadb_ext) <= len;) {
			const struct sadb_ext *e = (const void *)(buf + off);
			size_t el = (size_t)e->sadb_ext_len * 8;
			if (el == 0 || off + el > len)
				break;
			if (e->sadb_ext_type == SADB_EXT_SPIRANGE && el >= sizeof(struct sadb_spirange)) {
				const struct sadb_spirange *r = (const void *)e;
				lo = r->sadb_spirange_min;
				hi = r->sadb_spirange_max;
			}
			off += el;
		}
		if (getrandom(&spi, sizeof(spi), 0) != sizeof(spi))
			spi = (uint32_t)rand();
		if (hi > lo)
			spi = lo + spi % (hi - lo);
		else
			spi = lo;
		memset(&sa, 0, sizeof(sa));
		sa.sadb_sa_len = sizeof(sa) / 8;
		sa.sadb_sa_exttype = SADB_EXT_SA;
		sa.sadb_sa_spi = htonl(spi);
		memcpy(out + n, &sa, sizeof(sa));
		n += sizeof(sa);
		note("pfkey_ack: GETSPI satype %d -> spi 0x%08x", req.sadb_msg_satype, spi);
	}
	rep->sadb_msg_len = n / 8;
	s = real_socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s < 0 || sendto(s, out, n, 0, (struct sockaddr *)&sun, alen) < 0)
		note("pfkey_ack: reply to %s failed: %s", tname(req.sadb_msg_type), strerror(errno));
	if (s >= 0)
		close(s);
	note("pfkey_ack: pid %d %s satype %d seq %u answered (errno %d)", (int)getpid(),
	     tname(req.sadb_msg_type), req.sadb_msg_satype, req.sadb_msg_seq, rep->sadb_msg_errno);
	return 1;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	init();
	if (answer(fd, buf, len))
		return len;
	return real_write(fd, buf, len);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	init();
	if (answer(fd, buf, len))
		return len;
	return real_send(fd, buf, len, flags);
}

/* try_iov gathers an iovec into a buffer (PF_KEY messages are small). */
static ssize_t try_iov(int fd, const struct iovec *iov, int cnt)
{
	unsigned char buf[65536];
	size_t n = 0;
	int i;
	struct sockaddr_un sun;
	socklen_t alen;

	if (!fake_addr(fd, &sun, &alen))
		return -1;
	for (i = 0; i < cnt; i++) {
		if (n + iov[i].iov_len > sizeof(buf))
			return -1;
		memcpy(buf + n, iov[i].iov_base, iov[i].iov_len);
		n += iov[i].iov_len;
	}
	return answer(fd, buf, n) ? (ssize_t)n : -1;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	ssize_t n;

	init();
	if ((n = try_iov(fd, iov, cnt)) >= 0)
		return n;
	return real_writev(fd, iov, cnt);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	ssize_t n;

	init();
	if (msg != NULL && (n = try_iov(fd, msg->msg_iov, msg->msg_iovlen)) >= 0)
		return n;
	return real_sendmsg(fd, msg, flags);
}

#ifndef IP_IPSEC_POLICY
#define IP_IPSEC_POLICY 16
#endif
#ifndef IPV6_IPSEC_POLICY
#define IPV6_IPSEC_POLICY 34
#endif

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	int r;

	init();
	r = real_setsockopt(fd, level, name, val, len);
	if (r < 0 && ((level == IPPROTO_IP && name == IP_IPSEC_POLICY) ||
		      (level == IPPROTO_IPV6 && name == IPV6_IPSEC_POLICY))) {
		note("pfkey_ack: fd %d: IPsec bypass policy failed (%s), reported as set", fd, strerror(errno));
		return 0;
	}
	return r;
}
