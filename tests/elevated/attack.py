"""What a sandboxed command tries against the elevated tier's runner and
the host. Usage:
  attack.py ptrace PID     PTRACE_ATTACH to PID (then detach)
  attack.py ptrace-child   PTRACE_ATTACH to a child of our own (control)
  attack.py signal PID     kill(PID, 0)
  attack.py fds            the descriptors open in this process, one line
  attack.py unix PATH      connect to the unix stream socket PATH
Prints "ok" or "refused <errno name>"; exit 0 / 1 (2: bad usage)."""
import ctypes, errno, os, socket, sys, time

def result(err):
    if err:
        print("refused", errno.errorcode.get(err, err))
        sys.exit(1)
    print("ok")
    sys.exit(0)

def ptrace_attach(pid):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    if libc.ptrace(16, pid, None, None) != 0:  # PTRACE_ATTACH
        return ctypes.get_errno()
    os.waitpid(pid, 0)
    libc.ptrace(17, pid, None, None)  # PTRACE_DETACH
    return 0

mode = sys.argv[1] if len(sys.argv) > 1 else ""
if mode == "ptrace":
    result(ptrace_attach(int(sys.argv[2])))
elif mode == "ptrace-child":
    pid = os.fork()
    if pid == 0:
        time.sleep(5)
        os._exit(0)
    err = ptrace_attach(pid)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    result(err)
elif mode == "signal":
    try:
        os.kill(int(sys.argv[2]), 0)
        result(0)
    except OSError as e:
        result(e.errno)
elif mode == "fds":
    print(" ".join(sorted(os.listdir("/proc/self/fd"), key=int)))
elif mode == "unix":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(sys.argv[2])
        result(0)
    except OSError as e:
        result(e.errno)
else:
    print(__doc__)
    sys.exit(2)
