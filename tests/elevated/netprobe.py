"""One network action, for the elevated tier's network test. Targets only
the test host in the namespace the test made, or loopback.
  netprobe.py tcp|udp|icmp ADDRESS [PORT]
Exit 0: it got through (TCP connected, UDP sent, ICMP echo answered);
1: refused (the error is printed); 2: usage."""
import errno, os, socket, struct, sys

def main():
    kind, addr = sys.argv[1], sys.argv[2]
    port = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    try:
        if kind == "tcp":
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.settimeout(3)
            s.connect((addr, port))
            s.sendall(b"tcp %d\n" % os.getuid())
        elif kind == "udp":
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.sendto(b"udp %d\n" % os.getuid(), (addr, port))
        elif kind == "icmp":
            s = socket.socket(fam, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
            s.settimeout(3)
            s.sendto(struct.pack("!BBHHH", 8, 0, 0, 0, 1) + b"cordon", (addr, 0))
            s.recvfrom(1024)
        else:
            return 2
    except OSError as e:
        print("refused: %s %s: %s" % (kind, addr, e))
        return 1
    print("through: %s %s" % (kind, addr))
    return 0

sys.exit(main())
