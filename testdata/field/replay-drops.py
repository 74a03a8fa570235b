# replay-drops.py PCAP DUMPCAP_PID FRAMES: replay a corpus capture's Ethernet frames on
# veth "va" (AF_PACKET: the original octets, the original timing) while
# dumpcap records that interface. The frames FRAMES (comma-separated
# numbers) are held back and
# sent, just before the next frame, while dumpcap is stopped and its ring
# full of other traffic on the link: the capture drops them, as a capture
# that falls behind on a busy link does.
import socket, struct, sys, time, os, signal
pcap, pid = sys.argv[1], int(sys.argv[2])
stopset = {int(x) for x in sys.argv[3].split(',')}
d = open(pcap, 'rb').read()
assert struct.unpack_from('<I', d)[0] == 0xa1b2c3d4
off, frames = 24, []
while off + 16 <= len(d):
    ts, tu, cl, ol = struct.unpack_from('<IIII', d, off)
    frames.append((ts + tu / 1e6, d[off+16:off+16+cl]))
    off += 16 + cl
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('va', 0))

def flood(n):
    # Other traffic on the link: UDP 192.0.2.7 -> 192.0.2.8 port 9 (discard).
    eth = b'\x02\x00\x00\x00\x00\x08\x02\x00\x00\x00\x00\x07\x08\x00'
    body = bytes(1000)
    for i in range(n):
        udp = struct.pack('!HHHH', 40000, 9, 8 + len(body), 0) + body
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                         bytes([192, 0, 2, 7]), bytes([192, 0, 2, 8]))
        c = sum(struct.unpack('!10H', ip)); c = (c & 0xffff) + (c >> 16); c = (c & 0xffff) + (c >> 16)
        s.send(eth + ip[:10] + struct.pack('!H', ~c & 0xffff) + ip[12:] + udp)

t0, w0 = frames[0][0], time.time()
held = []
for i, (t, b) in enumerate(frames, 1):
    if i in stopset:
        held.append(b)
        continue
    if held and i > max(stopset):
        os.kill(pid, signal.SIGSTOP)
        flood(1500)
        for h in held:
            s.send(h)
            time.sleep(0.05)
        os.kill(pid, signal.SIGCONT)
        held = []
        time.sleep(0.5)
        w0 += 0.7
    while time.time() - w0 < t - t0:
        time.sleep(0.0005)
    s.send(b)
time.sleep(0.5)
