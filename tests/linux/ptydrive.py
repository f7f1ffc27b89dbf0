#!/usr/bin/env python3
"""Runs `sh -c CMD` as a session leader on a new pseudo-terminal and plays
a script against it: for each pair WAIT SEND, once WAIT has appeared in
the output, SEND (with escapes such as \x03 for Ctrl-C) is typed. Prints
everything the terminal showed. For the live tests of the terminal
handling (escape_isolation.sh).

usage: ptydrive.py CMD [WAIT SEND]...
"""
import os, pty, sys, time, select
cmd = sys.argv[1]
script = sys.argv[2:]  # pairs: wait-for-text, send-bytes
pid, fd = pty.fork()
if pid == 0:
    os.execvp("sh", ["sh", "-c", cmd])
out = b""
steps = [(script[i], script[i+1]) for i in range(0, len(script), 2)]
deadline = time.time() + 20
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            d = os.read(fd, 4096)
        except OSError:
            break
        if not d:
            break
        out += d
    if steps and steps[0][0].encode() in out:
        time.sleep(0.2)
        os.write(fd, steps[0][1].encode().decode('unicode_escape').encode())
        out = out.replace(steps[0][0].encode(), b"<" + steps[0][0].encode() + b">", 1)
        steps.pop(0)
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
