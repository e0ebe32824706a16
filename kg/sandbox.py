"""Kernel-enforced limits for processes and threads that run untrusted work.

Query workers evaluate SPARQL sent by strangers. Oxigraph follows ``SERVICE``
to any URL, and no text check of a query can be trusted to agree with the
parser that runs it, so the guarantee is given by the kernel instead: a
seccomp filter on the evaluating thread refuses to create sockets, so no
request can leave it whatever the query says. Design notes: docs/security.md.
"""
from __future__ import annotations

import ctypes
import errno
import os
import platform
import signal
import struct
import sys

__all__ = ["SandboxUnavailable", "deny_network", "deny_outbound", "exit_with_parent", "network_denied_error"]

_PR_SET_PDEATHSIG = 1
_PR_SET_SECCOMP = 22
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_MODE_FILTER = 2

# audit architecture, socket(2), io_uring_setup(2) (io_uring can open sockets too), connect(2)
_SYSCALLS = {
    "x86_64": (0xC000003E, 41, 425, 42),
    "aarch64": (0xC00000B7, 198, 425, 203),
}

# classic BPF, as seccomp reads it: offsets into struct seccomp_data
_LD_W_ABS, _JEQ_K, _JSET_K, _RET_K = 0x20, 0x15, 0x45, 0x06
_NR, _ARCH = 0, 4
_ALLOW = 0x7FFF0000
_DENY = 0x00050000 | errno.EACCES  # SECCOMP_RET_ERRNO: the call fails with EACCES
_X32_BIT = 0x40000000


class SandboxUnavailable(OSError):
    """This platform cannot deny network access to a thread."""


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _filter_program(outbound_only: bool = False) -> list[tuple[int, int, int, int]]:
    arch, socket_nr, io_uring_nr, connect_nr = _SYSCALLS[platform.machine()]
    # Outbound only: a server may still open sockets to listen and accept; it cannot connect anywhere.
    denied = connect_nr if outbound_only else socket_nr
    return [
        (_LD_W_ABS, 0, 0, _ARCH),
        (_JEQ_K, 1, 0, arch),            # a foreign ABI (32-bit calls): deny everything
        (_RET_K, 0, 0, _DENY),
        (_LD_W_ABS, 0, 0, _NR),
        (_JSET_K, 0, 1, _X32_BIT),       # x32 system calls: deny
        (_RET_K, 0, 0, _DENY),
        (_JEQ_K, 0, 1, denied),
        (_RET_K, 0, 0, _DENY),
        (_JEQ_K, 0, 1, io_uring_nr),
        (_RET_K, 0, 0, _DENY),
        (_RET_K, 0, 0, _ALLOW),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def deny_network() -> None:
    """From now on, this thread (and every thread it starts) cannot create a socket.

    Sockets already open (the pipe to a parent process) keep working. Raises
    :class:`SandboxUnavailable` where seccomp is not available (not Linux, or
    an architecture without a table entry above).
    """
    _install(outbound_only=False)


def deny_outbound() -> None:
    """From now on, this thread, the threads it starts and the programs it runs cannot connect(2) anywhere.

    For a server that must not call out (a SPARQL server that follows
    ``SERVICE``): it can still listen and accept. Raises
    :class:`SandboxUnavailable` as :func:`deny_network` does.
    """
    _install(outbound_only=True)


def _install(outbound_only: bool) -> None:
    if sys.platform != "linux" or platform.machine() not in _SYSCALLS:
        raise SandboxUnavailable(f"cannot deny network access on {sys.platform}/{platform.machine()}")
    program = _filter_program(outbound_only)
    code = ctypes.create_string_buffer(b"".join(struct.pack("=HBBI", *op) for op in program))
    fprog = _SockFprog(len(program), ctypes.addressof(code))
    libc = _libc()
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxUnavailable(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise SandboxUnavailable(ctypes.get_errno(), "seccomp filter refused by the kernel")


def network_denied_error(error: BaseException) -> bool:
    """True when ``error`` is what a query gets for trying to reach the network in the sandbox."""
    if isinstance(error, PermissionError) or getattr(error, "errno", None) == errno.EACCES:
        return True
    text = str(error)
    return "os error 13" in text or "lookup address information" in text


def exit_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this process when its parent ``parent_pid`` dies (Linux; elsewhere a no-op).

    Exits at once if the parent is already gone (it may die before this runs).
    Beware: the kernel sends the signal when the *thread* that started this
    process exits, so start such processes from a long-lived thread.
    """
    if sys.platform == "linux":
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)
