"""Speaks the runner protocol (core/ipc.h) to cordon-runner directly, with
requests cordon itself would never send. Usage:
  runner_client.py RUNNER MODE [CWD]
MODE: garbage | version | nofds | truncated | spawn-true | spawn-root (CWD as a writable root)
Prints the runner's answer as "ERROR <stage> <errno> <message>", "STARTED",
"EXIT <code> <signal>" lines; exit 0 when the runner answered at all."""
import os, socket, struct, subprocess, sys

STAGES = {1: "request", 2: "caller", 3: "setup", 4: "stdio", 5: "identity",
          6: "capabilities", 7: "restrictions", 8: "cwd", 9: "exec", 10: "wait"}

def frame(t, payload, version=3):
    return struct.pack("<IBBH", len(payload), version, t, 0) + payload

def s(x):
    b = x.encode()
    return struct.pack("<I", len(b)) + b

def sv(items):
    return struct.pack("<I", len(items)) + b"".join(s(i) for i in items)

def spawn(cwd, modes=(0, 0, 0), roots=()):
    return frame(1, struct.pack("<I", 0) + bytes(modes) + struct.pack("<QQQ", 0, 0, 0) +
                 s(cwd) + sv(["/bin/true"]) + sv(["PATH=/usr/bin:/bin"]) + sv(list(roots)) + sv([]) + s("") +
                 sv([]) + sv([]) + sv([]))

def main():
    runner, mode = sys.argv[1], sys.argv[2]
    cwd = sys.argv[3] if len(sys.argv) > 3 else "/"
    a, b = socket.socketpair()
    p = subprocess.Popen([runner], pass_fds=[3] if b.fileno() == 3 else [],
                         preexec_fn=(lambda: os.dup2(b.fileno(), 3)) if b.fileno() != 3 else None,
                         close_fds=False, stdin=subprocess.DEVNULL)
    b.close()
    try:
        try:
            if mode == "garbage":
                a.sendall(b"\x10\x00\x00\x00\x03\x01\x00\x00" + os.urandom(16))
            elif mode == "version":
                a.sendall(spawn(cwd)[:4] + b"\x04" + spawn(cwd)[5:])
            elif mode == "truncated":
                a.sendall(spawn(cwd)[:-3])
                a.shutdown(socket.SHUT_WR)
            elif mode == "nofds":
                a.sendall(spawn(cwd))
            elif mode in ("spawn-true", "spawn-root"):
                null = os.open("/dev/null", os.O_RDWR)
                roots = [cwd] if mode == "spawn-root" else []
                socket.send_fds(a, [spawn(cwd, roots=roots)], [null, null, null])
        except BrokenPipeError:
            # The runner may refuse (a caller outside cordon-users) before
            # it reads the request: its answer is still there to read.
            pass
        a.settimeout(20)
        buf = b""
        while True:
            chunk = a.recv(65536)
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 8:
                n, ver, t, _ = struct.unpack("<IBBH", buf[:8])
                if len(buf) < 8 + n:
                    break
                body, buf = buf[8:8 + n], buf[8 + n:]
                if t == 6:
                    stage, code = struct.unpack("<Hq", body[:10])
                    (ln,) = struct.unpack("<I", body[10:14])
                    print("ERROR", STAGES.get(stage, stage), code, body[14:14 + ln].decode())
                elif t == 4:
                    print("STARTED")
                elif t == 5:
                    print("EXIT %d %d" % struct.unpack("<ii", body))
    finally:
        a.close()
        p.wait()
    print("RUNNER-EXIT", p.returncode)

main()
