"""A TCP and UDP listener on ADDRESS:PORT for the network test; appends one
line per connection or datagram to LOG; prints READY when listening; stops
by itself after 120 s."""
import select, socket, sys, time

addr, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
t = socket.socket(fam, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind((addr, port))
t.listen(16)
u = socket.socket(fam, socket.SOCK_DGRAM)
u.bind((addr, port))
print("READY", flush=True)
end = time.time() + 120
while time.time() < end:
    r, _, _ = select.select([t, u], [], [], 1)
    for s in r:
        if s is t:
            c, _ = t.accept()
            c.settimeout(2)
            try:
                data = c.recv(100)
            except OSError:
                data = b"tcp ?\n"
            c.close()
        else:
            data, _ = u.recvfrom(100)
        with open(log, "ab") as f:
            f.write(data if data.endswith(b"\n") else data + b"\n")
