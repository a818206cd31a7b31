# ManifestCompiler Python step worker.
#
# Runs inside the sandbox process (bubblewrap, see Sandbox/WorkerLauncher.cs) as `python3 -I -S -B`. The host sends
# this file as the first frame; everything at module level is trusted set-up. User code only ever sees the
# namespace new_namespace() builds for one run, and reaches the outside world only through requests to the
# host over the frame protocol (4-byte big-endian length + UTF-8 JSON on the original stdin/stdout).
#
# Layers applied here, in order: resource limits (setrlimit), a seccomp filter (no sockets, no exec, no
# fork/clone, no namespace or mount calls, no opening files for writing), then per run: a static check of the
# user's module (no imports, no private/dunder or frame attributes, with line numbers), a rewrite that routes
# attribute writes, str.format and ** through guards, restricted builtins and read-only facades.

import ast
import base64 as _base64
import codecs
import datetime as _datetime
import json as _json
import mmap as _mmap
import os
import resource
import string as _stringmod
import time
import urllib.parse as _urlparse
import uuid as _uuid
import _string

# --- protocol -------------------------------------------------------------------------------------------

_IN = os.dup(0)
_OUT = os.dup(1)
_null = os.open('/dev/null', os.O_RDONLY)
os.dup2(_null, 0)
os.dup2(2, 1)  # anything written to stdout by C code lands in the host's stderr log, never in the protocol
os.close(_null)
# Only the protocol's descriptors stay: one the host inherited without close-on-exec (from the shell that started
# it, say) is passed through bubblewrap, and would be open in the zygote and so in every run's process.
for _fd in [int(_name) for _name in os.listdir('/proc/self/fd')]:
    if _fd > 2 and _fd not in (_IN, _OUT):
        try:
            os.close(_fd)
        except OSError:
            pass  # the listing's own descriptor, already closed
del _fd


def _read_exact(n):
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(_IN, n - len(buf))
        if not chunk:
            raise SystemExit(0)  # host closed the pipe: shut down quietly
        buf += chunk
    return bytes(buf)


def _receive():
    size = int.from_bytes(_read_exact(4), 'big')
    return _json.loads(_read_exact(size).decode('utf-8'))


def _replace_surrogates(error):
    """Unusual data is data (docs/python-sandbox.md): a lone surrogate (say, from a third party's '\\ud800' JSON
    escape) cannot be UTF-8 and the host's JSON reader refuses it, so it leaves the worker as U+FFFD, like
    System.Text.Json writes one. Two code points that form a surrogate pair are joined into their character."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start:error.end]
    out = []
    i = 0
    while i < len(text):
        high = ord(text[i])
        if 0xD800 <= high < 0xDC00 and i + 1 < len(text) and 0xDC00 <= ord(text[i + 1]) < 0xE000:
            out.append(chr(0x10000 + ((high - 0xD800) << 10) + (ord(text[i + 1]) - 0xDC00)))
            i += 2
        else:
            out.append('\ufffd')
            i += 1
    return ''.join(out).encode('utf-8'), error.end  # bytes: the UTF-8 encoder takes only ASCII text back


codecs.register_error('mc_replace_surrogates', _replace_surrogates)


_CONTROL = 0x80000000  # the length bit that marks the zygote's own frames (ready, exited); see _relay


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _send(message, control=False):
    data = _json.dumps(message, ensure_ascii=False, allow_nan=False, separators=(',', ':')).encode('utf-8', 'mc_replace_surrogates')
    _write_all(_OUT, (len(data) | (_CONTROL if control else 0)).to_bytes(4, 'big') + data)


# --- process-level limits -------------------------------------------------------------------------------

def _apply_rlimits(limits):
    """The zygote's limits, inherited by every run's process. Every limit gets hard = soft, so nothing in the
    sandbox can raise one again (raising a hard limit needs CAP_SYS_RESOURCE, which no process here has)."""
    applied = []
    mb = 1024 * 1024

    def cap(which, value, label):
        try:
            resource.setrlimit(which, (value, value))
            applied.append(label)
        except (ValueError, OSError):
            pass

    cap(resource.RLIMIT_AS, limits['memory_mb'] * mb, 'as')
    cap(resource.RLIMIT_NOFILE, limits['open_files'], 'nofile')
    # The zygote forks one process per run (the run's process then drops this to 0): in bubblewrap's user
    # namespace, itself, the run, the next one waiting and bubblewrap's init fit in 8. Without a namespace
    # (development mode) the count is every process of the user, so the current limit is kept, hard = soft.
    cap(resource.RLIMIT_NPROC, 8 if limits.get('isolated', True) else resource.getrlimit(resource.RLIMIT_NPROC)[0], 'nproc')
    cap(resource.RLIMIT_FSIZE, 0, 'fsize')
    cap(resource.RLIMIT_CORE, 0, 'core')
    cap(resource.RLIMIT_MSGQUEUE, 0, 'msgqueue')
    cap(resource.RLIMIT_MEMLOCK, 0, 'memlock')
    locked = True
    for name in ('RLIMIT_CPU', 'RLIMIT_DATA', 'RLIMIT_STACK', 'RLIMIT_RSS', 'RLIMIT_LOCKS', 'RLIMIT_SIGPENDING',
                 'RLIMIT_NICE', 'RLIMIT_RTPRIO', 'RLIMIT_RTTIME'):
        which = getattr(resource, name, None)
        if which is None:
            continue
        try:
            soft, _ = resource.getrlimit(which)
            resource.setrlimit(which, (soft, soft))
        except (ValueError, OSError):
            locked = False
    if locked:
        applied.append('hard=soft')
    applied.append('cpu')
    return applied


def _apply_run_rlimits(limits):
    """A run's process: a CPU budget of its own (its CPU time starts at 0 at the fork) and no processes at all."""
    seconds = max(1, int(limits['cpu_seconds']))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))


# Syscalls the worker never needs once set up. Denied with EPERM (so Python raises PermissionError instead of
# the process dying); an unexpected architecture is killed outright.
_DENIED = {
    'x86_64': (0xC000003E, {
        'socket': 41, 'connect': 42, 'accept': 43, 'sendto': 44, 'sendmsg': 46, 'bind': 49, 'listen': 50,
        'socketpair': 53, 'clone': 56, 'fork': 57, 'vfork': 58, 'execve': 59, 'ptrace': 101, 'creat': 85,
        'mknod': 133, 'personality': 135, 'pivot_root': 155, 'chroot': 161, 'acct': 163, 'settimeofday': 164,
        'mount': 165, 'umount2': 166, 'swapon': 167, 'swapoff': 168, 'reboot': 169, 'sethostname': 170,
        'setdomainname': 171, 'iopl': 172, 'ioperm': 173, 'init_module': 175, 'delete_module': 176,
        'quotactl': 179, 'kexec_load': 246, 'add_key': 248, 'request_key': 249, 'keyctl': 250, 'mknodat': 259,
        'unshare': 272, 'accept4': 288, 'perf_event_open': 298, 'fanotify_init': 300, 'name_to_handle_at': 303,
        'open_by_handle_at': 304, 'setns': 308, 'process_vm_readv': 310, 'process_vm_writev': 311, 'kcmp': 312,
        'finit_module': 313, 'kexec_file_load': 320, 'bpf': 321, 'execveat': 322, 'userfaultfd': 323,
        'io_uring_setup': 425, 'io_uring_enter': 426, 'io_uring_register': 427, 'open_tree': 428,
        'move_mount': 429, 'fsopen': 430, 'fsconfig': 431, 'fsmount': 432, 'fspick': 433, 'clone3': 435,
        'openat2': 437, 'pidfd_getfd': 438, 'mount_setattr': 442,
    }, {'open': (2, 1), 'openat': (257, 2)}, 302),
    'aarch64': (0xC00000B7, {
        'socket': 198, 'socketpair': 199, 'bind': 200, 'listen': 201, 'accept': 202, 'connect': 203,
        'sendto': 206, 'sendmsg': 211, 'clone': 220, 'execve': 221, 'accept4': 242, 'execveat': 281,
        'ptrace': 117, 'mount': 40, 'umount2': 39, 'pivot_root': 41, 'chroot': 51, 'unshare': 97, 'setns': 268,
        'process_vm_readv': 270, 'process_vm_writev': 271, 'kcmp': 272, 'finit_module': 273,
        'init_module': 105, 'delete_module': 106, 'bpf': 280, 'userfaultfd': 282, 'perf_event_open': 241,
        'open_by_handle_at': 265, 'name_to_handle_at': 264, 'io_uring_setup': 425, 'io_uring_enter': 426,
        'io_uring_register': 427, 'kexec_load': 104, 'kexec_file_load': 294, 'personality': 92, 'keyctl': 219,
        'add_key': 217, 'request_key': 218, 'mknodat': 33, 'openat2': 437, 'open_tree': 428, 'move_mount': 429,
        'fsopen': 430, 'fsconfig': 431, 'fsmount': 432, 'fspick': 433, 'clone3': 435, 'pidfd_getfd': 438,
        'reboot': 142, 'swapon': 224, 'swapoff': 225, 'acct': 89, 'sethostname': 161, 'setdomainname': 162,
        'settimeofday': 170, 'quotactl': 60, 'mount_setattr': 442,
    }, {'openat': (56, 2)}, 261),
}
_OPEN_WRITE_FLAGS = 0o1 | 0o2 | 0o100 | 0o1000 | 0o2000  # O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND
# The zygote must fork (clone); a run's process may not, and neither may it create SysV IPC objects or POSIX
# message queues, which would outlive it in the sandbox's IPC namespace.
_ZYGOTE_ALLOWED = frozenset({'clone'})
_RUN_DENIED = {
    'x86_64': {'clone': 56, 'setrlimit': 160, 'setpriority': 141, 'sched_setparam': 142, 'sched_setscheduler': 144,
               'sched_setaffinity': 203, 'ioprio_set': 251, 'sched_setattr': 314, 'shmget': 29, 'shmat': 30, 'shmctl': 31, 'semget': 64, 'semop': 65, 'semctl': 66,
               'shmdt': 67, 'msgget': 68, 'msgsnd': 69, 'msgrcv': 70, 'msgctl': 71, 'semtimedop': 220,
               'mq_open': 240, 'mq_unlink': 241, 'mq_timedsend': 242, 'mq_timedreceive': 243, 'mq_notify': 244,
               'mq_getsetattr': 245},
    'aarch64': {'clone': 220, 'setrlimit': 164, 'setpriority': 140, 'sched_setparam': 118, 'sched_setscheduler': 119,
                'sched_setaffinity': 122, 'ioprio_set': 30, 'sched_setattr': 274, 'mq_open': 180, 'mq_unlink': 181, 'mq_timedsend': 182, 'mq_timedreceive': 183,
                'mq_notify': 184, 'mq_getsetattr': 185, 'msgget': 186, 'msgctl': 187, 'msgrcv': 188, 'msgsnd': 189,
                'semget': 190, 'semctl': 191, 'semtimedop': 192, 'semop': 193, 'shmget': 194, 'shmctl': 195,
                'shmat': 196, 'shmdt': 197},
}


def _seccomp_program(ctypes, machine, denied, opens, prlimit=None):
    """A BPF program that fails the `denied` syscall numbers (and `opens` with a write flag) with EPERM; with
    `prlimit`, also prlimit64 calls that would set a limit (a run's own, or the zygote's: lowering the zygote's
    limits would carry into later runs); reading limits stays possible."""
    arch = _DENIED[machine][0]
    LD_W_ABS, JEQ, JSET, JGE, RET = 0x20, 0x15, 0x45, 0x35, 0x06
    ALLOW, KILL, EPERM = 0x7FFF0000, 0x80000000, 0x00050000 | 1
    # Instructions with symbolic jump targets ('deny' / 'allow' / relative ints), resolved below.
    program = [(LD_W_ABS, 0, 0, 4), (JEQ, 1, 0, arch), (RET, 0, 0, KILL), (LD_W_ABS, 0, 0, 0)]
    if machine == 'x86_64':
        program.append((JGE, 'deny', 0, 0x40000000))  # the x32 ABI aliases every syscall above this bit
    for nr in sorted(set(denied)):
        program.append((JEQ, 'deny', 0, nr))
    for nr, flags_arg in opens:
        # if nr matches: load the flags argument (low 32 bits), deny any write/create flag, else allow;
        # if not, skip the two instructions with the syscall number still in the accumulator
        program.append((JEQ, 0, 2, nr))
        program.append((LD_W_ABS, 0, 0, 16 + 8 * flags_arg))
        program.append((JSET, 'deny', 'allow', _OPEN_WRITE_FLAGS))
    if prlimit is not None:
        # prlimit64(pid, resource, new_limit, old_limit): allowed only with new_limit == NULL (both halves zero)
        program.append((JEQ, 0, 4, prlimit))
        program.append((LD_W_ABS, 0, 0, 16 + 8 * 2))
        program.append((JEQ, 0, 'deny', 0))
        program.append((LD_W_ABS, 0, 0, 16 + 8 * 2 + 4))
        program.append((JEQ, 'allow', 'deny', 0))
    program.append((RET, 0, 0, ALLOW))
    allow_at = len(program) - 1
    program.append((RET, 0, 0, EPERM))
    deny_at = len(program) - 1

    class SockFilter(ctypes.Structure):
        _fields_ = [('code', ctypes.c_ushort), ('jt', ctypes.c_ubyte), ('jf', ctypes.c_ubyte), ('k', ctypes.c_uint)]

    class SockFprog(ctypes.Structure):
        _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.POINTER(SockFilter))]

    def target(value, at):
        if value == 'deny':
            return deny_at - at - 1
        if value == 'allow':
            return allow_at - at - 1
        return value

    filters = (SockFilter * len(program))()
    for i, (code, jt, jf, k) in enumerate(program):
        filters[i] = SockFilter(code, target(jt, i), target(jf, i), k)
    return SockFprog(len(program), filters), filters  # the array must stay alive as long as the program


class _Seccomp:
    """The zygote's filter (installed at start-up) and the stricter one each run's process adds on top of it
    before any user code runs (filters stack: a call must pass both)."""

    def __init__(self):
        self.error = None
        self.run_filter = None
        machine = os.uname().machine
        if machine not in _DENIED:
            self.error = 'no syscall table for ' + machine
            return
        try:
            import ctypes
        except ImportError as e:
            self.error = 'ctypes unavailable: ' + str(e)
            return
        self.ctypes = ctypes
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
        _, denied, opens, prlimit = _DENIED[machine]
        self.zygote_filter = _seccomp_program(
            ctypes, machine, [nr for name, nr in denied.items() if name not in _ZYGOTE_ALLOWED], opens.values())
        self.run_filter = _seccomp_program(
            ctypes, machine, list(denied.values()) + list(_RUN_DENIED[machine].values()), opens.values(), prlimit)

    def _load(self, program):
        ctypes = self.ctypes
        if self.libc.prctl(38, 1, None, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            return 'prctl(PR_SET_NO_NEW_PRIVS) failed: errno ' + str(ctypes.get_errno())
        pointer = ctypes.cast(ctypes.pointer(program[0]), ctypes.c_void_p)
        if self.libc.prctl(22, 2, pointer, 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
            return 'prctl(PR_SET_SECCOMP) failed: errno ' + str(ctypes.get_errno())
        return None

    def install_zygote(self):
        """Returns None when the filter is active, else why it is not."""
        if self.error:
            return self.error
        error = self._load(self.zygote_filter)
        if error:
            return error
        with open('/proc/self/status') as status:
            if not any(line.startswith('Seccomp:') and line.split()[1] == '2' for line in status):
                return 'the kernel did not report the filter as active'
        return None

    def install_run(self):
        if self.run_filter is not None and self._load(self.run_filter) is not None:
            os._exit(70)  # never run user code with less than the filter the zygote was reported with

    def prctl(self, option, value):
        if self.error is None:
            self.libc.prctl(option, value, None, 0, 0)


# --- the sandbox ----------------------------------------------------------------------------------------

class SandboxViolation(BaseException):
    """Raised for a guard breach. BaseException so `except Exception` in user code does not swallow it; the
    run is reported as a violation even if user code catches it anyway (see _Run.violation)."""


class ResourceLimitExceeded(BaseException):
    """A per-run cap (side-effect requests, integer size) was hit."""


class HTTPError(Exception):
    """The host refused or could not complete an HTTP request (egress policy, DNS, connection, timeout)."""


class HostCallError(Exception):
    """The host could not carry out a request (get_token, dispatch_command, ...)."""


class JSONDecodeError(ValueError):
    """json.loads failed; same name and base class as the json module's."""


# Attributes that lead from ordinary objects to frames, code or globals without a leading underscore.
_FRAME_ATTRIBUTES = frozenset({
    'gi_frame', 'gi_code', 'gi_yieldfrom', 'gi_running', 'cr_frame', 'cr_code', 'cr_await', 'cr_origin',
    'ag_frame', 'ag_code', 'ag_await', 'f_back', 'f_builtins', 'f_globals', 'f_locals', 'f_code', 'f_trace',
    'tb_frame', 'tb_next', 'tb_lasti', 'tb_lineno', 'func_globals', 'func_code', 'im_func', 'im_self',
})
# Dunders that lead nowhere dangerous and that ordinary code uses (type(e).__name__, super().__init__(...)).
_ALLOWED_DUNDERS = frozenset({'__name__', '__init__'})
_GUARDED_NAMES = ('_mc_attr', '_mc_write', '_mc_pow', '_mc_shift')
# Dunders a step's own class may define as methods: operators and protocols that only ever receive the step's own
# objects. Not among them: __match_args__, __getattribute__, __init_subclass__, __set_name__, __class_getitem__,
# __del__, __slots__, __class__, ... (what changes how the interpreter looks things up, or runs code later).
_METHOD_DUNDERS = frozenset({
    '__init__', '__repr__', '__str__', '__format__', '__bytes__', '__hash__', '__bool__', '__eq__', '__ne__',
    '__lt__', '__le__', '__gt__', '__ge__', '__len__', '__iter__', '__next__', '__reversed__', '__contains__',
    '__getitem__', '__setitem__', '__delitem__', '__missing__', '__call__', '__enter__', '__exit__', '__getattr__',
    '__add__', '__radd__', '__iadd__', '__sub__', '__rsub__', '__isub__', '__mul__', '__rmul__', '__imul__',
    '__truediv__', '__rtruediv__', '__floordiv__', '__rfloordiv__', '__mod__', '__rmod__', '__neg__', '__pos__',
    '__abs__', '__int__', '__float__', '__index__', '__round__', '__and__', '__or__', '__xor__', '__invert__',
})


def _forbidden_attribute(name):
    """Never accessible: dunders (but the allowed few) and frame/code attributes. Single-underscore names are
    checked at run time: they are accessible on objects of the run's own classes only."""
    return (name.startswith('__') and name not in _ALLOWED_DUNDERS) or name in _FRAME_ATTRIBUTES


def _private_attribute(name):
    return name.startswith('_') and not name.startswith('__')


def _forbidden_name(name):
    """A name no step may use or bind: dunders (but the allowed few) and the guards' own prefix, so nothing can
    shadow _mc_attr & co. (rewritten code looks them up by name)."""
    return (name.startswith('__') and name not in _ALLOWED_DUNDERS) or name.startswith('_mc_')


class _Checker(ast.NodeVisitor):
    """Static rejection before anything runs: every finding with its line."""

    def __init__(self):
        self.findings = []

    def _add(self, node, message):
        self.findings.append((getattr(node, 'lineno', 0), message))

    def visit_Import(self, node):
        names = ', '.join(alias.name for alias in node.names)
        self._add(node, f"imports are blocked in the step sandbox ('import {names}'); everything available is preloaded")

    def visit_ImportFrom(self, node):
        self._add(node, f"imports are blocked in the step sandbox ('from {node.module or '.'} import ...'); everything available is preloaded")

    def visit_Attribute(self, node):
        if _forbidden_attribute(node.attr):
            self._add(node, f"attribute '{node.attr}' is not accessible in the step sandbox")
        self.generic_visit(node)

    def visit_Name(self, node):
        if _forbidden_name(node.id):
            self._add(node, f"name '{node.id}' is not accessible in the step sandbox")

    def _binding(self, node, name, method=False):
        # Every way a name is bound that is not an ast.Name: def/class names, parameters, 'except ... as', match
        # captures, global/nonlocal. A class body may define the method dunders above, nothing else.
        if name is not None and _forbidden_name(name) and not (method and name in _METHOD_DUNDERS):
            self._add(node, f"name '{name}' is not accessible in the step sandbox")

    def _function(self, node):
        self._binding(node, node.name, method=True)
        self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node):
        self._binding(node, node.name)
        self.generic_visit(node)

    def visit_arg(self, node):
        self._binding(node, node.arg)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node):
        self._binding(node, node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node):
        self._binding(node, node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node):
        self._binding(node, node.name)

    def visit_MatchMapping(self, node):
        self._binding(node, node.rest)
        self.generic_visit(node)

    def _declaration(self, node):
        for name in node.names:
            self._binding(node, name)

    visit_Global = visit_Nonlocal = _declaration

    def visit_MatchClass(self, node):
        for attr in node.kwd_attrs:
            if _forbidden_attribute(attr) or _private_attribute(attr):
                self._add(node, f"attribute '{attr}' is not accessible in the step sandbox")
        self.generic_visit(node)


class _Rewriter(ast.NodeTransformer):
    """Routes the operations a static check cannot judge through runtime guards."""

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            # obj.x = v  ->  _mc_write(obj).x = v : only objects created by this run's own classes are writable
            node.value = ast.copy_location(ast.Call(ast.Name('_mc_write', ast.Load()), [node.value], []), node.value)
            return node
        if node.attr in ('format', 'format_map') or _private_attribute(node.attr):
            return ast.copy_location(
                ast.Call(ast.Name('_mc_attr', ast.Load()), [node.value, ast.Constant(node.attr)], []), node)
        return node

    _GUARDED_OPERATORS = {ast.Pow: '_mc_pow', ast.LShift: '_mc_shift'}

    def visit_BinOp(self, node):
        self.generic_visit(node)
        guard = self._GUARDED_OPERATORS.get(type(node.op))
        if guard:
            return ast.copy_location(ast.Call(ast.Name(guard, ast.Load()), [node.left, node.right], []), node)
        return node

    def visit_AugAssign(self, node):
        # t **= v and t <<= v become t = _mc_pow(t, v) / _mc_shift(t, v) (a subscript or attribute target's
        # expressions are evaluated twice, as in the plain spelling), then go through the guards above.
        guard = self._GUARDED_OPERATORS.get(type(node.op))
        if guard is None:
            self.generic_visit(node)
            return node
        load = _as_load(node.target)
        assign = ast.copy_location(ast.Assign(
            [node.target], ast.copy_location(ast.Call(ast.Name(guard, ast.Load()), [load, node.value], []), node)), node)
        return self.visit(assign)


def _as_load(target):
    copy = ast.parse(ast.unparse(target), mode='eval').body
    return ast.copy_location(copy, target)


class _SafeFormatter(_stringmod.Formatter):
    def get_field(self, field_name, args, kwargs):
        first, rest = _string.formatter_field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attribute, key in rest:
            obj = _guarded_getattr(obj, key) if is_attribute else obj[key]
        return obj, first


_formatter = _SafeFormatter()
_current = None  # the _Run being executed; the guards report violations to it


def _violation(message):
    if _current is not None:
        _current.violation = _current.violation or message
    raise SandboxViolation(message)


_STR_FORMAT = str.format
_STR_FORMAT_MAP = str.format_map
_BUILTIN_METHOD = type(''.format)


def _guarded_format(value):
    """str.format and str.format_map however they were reached (the str, its class, a subclass, super(), ...),
    replaced by the formatter that applies the attribute rules to '{0.attr}' fields."""
    if value is _STR_FORMAT:
        return lambda self, *args, **kwargs: _formatter.vformat(self, args, kwargs)
    if value is _STR_FORMAT_MAP:
        return lambda self, mapping: _formatter.vformat(self, (), mapping)
    if type(value) is _BUILTIN_METHOD and isinstance(getattr(value, '__self__', None), str):
        bound = value.__self__
        if value.__name__ == 'format':
            return lambda *args, **kwargs: _formatter.vformat(bound, args, kwargs)
        if value.__name__ == 'format_map':
            return lambda mapping: _formatter.vformat(bound, (), mapping)
    return value


def _guarded_getattr(obj, name, *default):
    if not isinstance(name, str):
        raise TypeError('attribute name must be a string')
    if _forbidden_attribute(name):
        _violation(f"attribute '{name}' is not accessible in the step sandbox")
    if _private_attribute(name) and not _own_object(obj):
        _violation(f"attribute '{name}' is not accessible in the step sandbox (only on objects of the step's own classes)")
    return _guarded_format(getattr(obj, name, *default))


# Modules C code imports lazily on behalf of user calls (datetime.strptime imports _strptime through the calling
# frame's builtins). Imported here during set-up; user code cannot name __import__ (static check).
import _strptime
_INTERNAL_MODULES = {'_strptime': _strptime, 'time': time}


def _internal_import(name, globals=None, locals=None, fromlist=(), level=0):
    module = _INTERNAL_MODULES.get(name) if level == 0 else None
    if module is None:
        _violation(f"imports are blocked in the step sandbox ('{name}')")
    return module


def _own_object(obj):
    target = obj if isinstance(obj, type) else type(obj)
    return _current is not None and target in _current.user_classes


def _guarded_hasattr(obj, name):
    try:
        _guarded_getattr(obj, name)
        return True
    except AttributeError:
        return False


def _big_int_guard(base, exponent, limit):
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        if exponent * abs(base).bit_length() > limit:
            raise ResourceLimitExceeded(f"{base} ** {exponent} would exceed the sandbox's integer size limit ({limit} bits)")


def _big_shift_guard(value, shift, limit):
    if isinstance(value, int) and isinstance(shift, int) and shift > 0 and value:
        if value.bit_length() + shift > limit:
            raise ResourceLimitExceeded(f"{value} << {shift} would exceed the sandbox's integer size limit ({limit} bits)")


class _Facade:
    """A read-only stand-in for a module: only the listed members, no module internals behind it."""
    __slots__ = ('_mc_name', '_mc_members')

    def __init__(self, name, members):
        object.__setattr__(self, '_mc_name', name)
        object.__setattr__(self, '_mc_members', dict(members))

    def __getattr__(self, item):
        try:
            return self._mc_members[item]
        except KeyError:
            raise AttributeError(f"'{self._mc_name}' has no attribute '{item}' in the step sandbox") from None

    def __setattr__(self, item, value):
        raise AttributeError(f"'{self._mc_name}' is read-only in the step sandbox")

    def __delattr__(self, item):
        raise AttributeError(f"'{self._mc_name}' is read-only in the step sandbox")

    def __dir__(self):
        return sorted(self._mc_members)

    def __repr__(self):
        return f'<sandbox {self._mc_name}>'


class _CallableFacade(_Facade):
    __slots__ = ()

    def __call__(self, *args, **kwargs):
        return self._mc_members['__call__'](*args, **kwargs)


class HTTPHeaderDict:
    """Case-insensitive response headers, like urllib3's."""

    def __init__(self, pairs):
        self._items = {}
        for name, value in pairs:
            key = name.lower()
            if key in self._items:
                self._items[key] = (self._items[key][0], self._items[key][1] + ', ' + value)
            else:
                self._items[key] = (name, value)

    def __getitem__(self, name):
        return self._items[name.lower()][1]

    def get(self, name, default=None):
        entry = self._items.get(str(name).lower())
        return default if entry is None else entry[1]

    def __contains__(self, name):
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self):
        return iter([name for name, _ in self._items.values()])

    def __len__(self):
        return len(self._items)

    def keys(self):
        return [name for name, _ in self._items.values()]

    def values(self):
        return [value for _, value in self._items.values()]

    def items(self):
        return list(self._items.values())

    def __repr__(self):
        return 'HTTPHeaderDict(' + repr(dict(self._items.values())) + ')'


class HTTPResponse:
    """What http.request returns: status, reason, headers, data (bytes), like urllib3's HTTPResponse."""
    __slots__ = ('status', 'reason', 'headers', 'data', 'url')

    def __init__(self, status, reason, headers, data, url):
        self.status, self.reason, self.headers, self.data, self.url = status, reason, headers, data, url

    def json(self):
        return _json_loads(self.data)

    def getheader(self, name, default=None):
        return self.headers.get(name, default)

    def __repr__(self):
        return f'<HTTPResponse status={self.status}>'


def _json_loads(text, **kwargs):
    try:
        return _json.loads(text, **kwargs)
    except _json.JSONDecodeError as e:
        raise JSONDecodeError(str(e)) from None


_MAX_DEPTH = 512  # replaced by the host's limit at start-up (Frame.MaxValueDepth)
_API = {'builtins': (), 'guarded': (), 'refused': (), 'globals': (), 'host_calls': ()}  # the host's table, at start-up


def _too_deep(value, limit):
    """Whether lists and dicts nest past `limit` levels (iterative: deep data must not hit the recursion limit)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _depth_error(what):
    return f'{what} is nested deeper than {_MAX_DEPTH} levels (or refers to itself)'


def _to_json(value, what):
    if _too_deep(value, _MAX_DEPTH):
        raise TypeError(_depth_error(what))
    try:
        return _json.loads(_json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as e:
        raise TypeError(f'{what} must be JSON-serializable: {e}') from None


class _Run:
    """One run's context: limits, counters, the classes its own code created."""

    def __init__(self, message, limits):
        self.id = message['id']
        self.limits = limits
        self.calls = 0
        self.log_records = 0
        self.log_bytes = 0
        self.logs_dropped = 0
        self.violation = None
        self.limit = None
        self.user_classes = set()

    def call(self, op, args):
        if op not in _API['host_calls']:
            raise RuntimeError(f"'{op}' is not a host call of the host's table")
        if self.calls >= self.limits['max_calls']:
            self.limit = self.limit or f"more than {self.limits['max_calls']} side-effect requests in one run"
            raise ResourceLimitExceeded(self.limit)
        self.calls += 1
        seq = self.calls
        _send({'t': 'call', 'seq': seq, 'op': op, 'args': args})
        while True:
            reply = _receive()
            if reply.get('t') == 'reply' and reply.get('seq') == seq:
                break
        if reply.get('ok'):
            return reply.get('value')
        message = reply.get('error') or 'the host refused the request'
        if op == 'http':
            raise HTTPError(message)
        raise HostCallError(message)

    def log(self, level, message):
        text = str(message)
        if (self.log_records >= self.limits['max_log_records']
                or self.log_bytes + len(text) > self.limits['max_log_bytes']):
            self.logs_dropped += 1
            return
        self.log_records += 1
        self.log_bytes += len(text)
        _send({'t': 'log', 'level': level, 'message': text})


def _logging_facade(run):
    def make(level):
        def log(msg, *args, **kwargs):
            text = str(msg)
            if args:
                try:
                    text = text % args
                except (TypeError, ValueError, KeyError):
                    text = text + ' ' + ' '.join(str(a) for a in args)
            run.log(level, text)
        return log

    members = {name.lower(): make(name) for name in ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL')}
    members['warn'] = members['warning']
    members['exception'] = members['error']
    members['fatal'] = members['critical']
    levels = {'DEBUG': 10, 'INFO': 20, 'WARNING': 30, 'ERROR': 40, 'CRITICAL': 50}
    members['log'] = lambda level, msg, *args: make(
        next((n for n, v in levels.items() if v == level), 'INFO') if isinstance(level, int) else str(level).upper())(msg, *args)
    members.update(levels)
    return _Facade('logging', members)


def _http_facade(run):
    def request(method, url, fields=None, headers=None, body=None, json=None, timeout=None, **_ignored):
        method = str(method).upper()
        url = str(url)
        sent_headers = {str(k): str(v) for k, v in (headers or {}).items()}
        if json is not None:
            body = _json.dumps(json).encode('utf-8')
            sent_headers.setdefault('Content-Type', 'application/json')
        if fields:
            encoded = _urlparse.urlencode(fields, doseq=True)
            if method in ('GET', 'HEAD', 'DELETE', 'OPTIONS'):
                url += ('&' if '?' in url else '?') + encoded
            else:
                body = encoded
                sent_headers.setdefault('Content-Type', 'application/x-www-form-urlencoded')
        if isinstance(body, str):
            body = body.encode('utf-8', 'mc_replace_surrogates')
        if body is not None and not isinstance(body, (bytes, bytearray)):
            raise TypeError('http.request body must be bytes or str (use json.dumps(...).encode() or json=...)')
        args = {'method': method, 'url': url, 'headers': sent_headers,
                'body': None if body is None else _base64.b64encode(bytes(body)).decode('ascii')}
        if timeout is not None:
            args['timeout'] = float(timeout)
        reply = run.call('http', args)
        return HTTPResponse(reply['status'], reply.get('reason') or '', HTTPHeaderDict(reply.get('headers') or []),
                            _base64.b64decode(reply.get('body') or ''), url)

    return _Facade('http', {'request': request, 'HTTPError': HTTPError, 'HTTPResponse': HTTPResponse})


def _b64(value):
    if isinstance(value, str):
        value = value.encode('utf-8', 'mc_replace_surrogates')
    return _base64.b64encode(bytes(value)).decode('ascii')


def new_namespace(run, inputs):
    """A fresh namespace for one run: nothing in it is shared with any other run."""
    limits = run.limits

    def guarded_pow(base, exponent, modulus=None):
        if modulus is None:
            _big_int_guard(base, exponent, limits['max_int_bits'])
            return base ** exponent
        return pow(base, exponent, modulus)

    def guarded_shift(value, shift):
        _big_shift_guard(value, shift, limits['max_int_bits'])
        return value << shift

    def write_guard(obj):
        if _own_object(obj):
            return obj
        if isinstance(obj, _Facade):
            _violation(f"'{object.__getattribute__(obj, '_mc_name')}' is read-only in the step sandbox")
        _violation(f"cannot set attributes on {type(obj).__name__} objects in the step sandbox")

    def guarded_setattr(obj, name, value):
        if not isinstance(name, str) or _forbidden_attribute(name):
            _violation(f"attribute '{name}' is not accessible in the step sandbox")
        setattr(write_guard(obj), name, value)

    def guarded_delattr(obj, name):
        if not isinstance(name, str) or _forbidden_attribute(name):
            _violation(f"attribute '{name}' is not accessible in the step sandbox")
        delattr(write_guard(obj), name)

    def build_class(func, name, *bases, **kwargs):
        if 'metaclass' in kwargs or any(b is type_of or (isinstance(b, type) and issubclass(b, type)) for b in bases):
            _violation('metaclasses are not available in the step sandbox')
        cls = __build_class__(func, name, *bases, **kwargs)
        if type(cls) is not type:
            _violation('metaclasses are not available in the step sandbox')
        # Positional class patterns read the attributes __match_args__ names: an inherited one must name
        # nothing the guards would refuse.
        for attr in getattr(cls, '__match_args__', ()):
            if not isinstance(attr, str) or _forbidden_attribute(attr) or _private_attribute(attr):
                _violation(f"attribute '{attr}' is not accessible in the step sandbox (__match_args__)")
        run.user_classes.add(cls)
        return cls

    def unavailable(name):
        def refuse(*args, **kwargs):
            _violation(f'{name}() is not available in the step sandbox')
        return refuse

    def type_of(*args):
        # One argument only: type(name, bases, dict) would build classes (and metaclasses) past build_class.
        # The type of a class is this function itself, so type(type(1)) is type holds and the real `type` (a
        # class factory) never reaches the step.
        if len(args) != 1:
            _violation('type() with three arguments is not available in the step sandbox (define a class instead)')
        result = type(args[0])
        return type_of if isinstance(result, type) and issubclass(result, type) else result

    def print_(*args, sep=' ', end='\n', **_ignored):
        run.log('INFO', sep.join(str(a) for a in args))

    namespace = {}

    def globals_():
        return {k: v for k, v in namespace.items() if not k.startswith('__')}

    # The names come from the host's table (StepSandboxApi, sent in the init frame's 'api').
    builtins = {name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
                for name in _API['builtins']}
    builtins.update({
        '__build_class__': build_class, '__name__': 'action',
        'getattr': _guarded_getattr, 'hasattr': _guarded_hasattr, 'setattr': guarded_setattr,
        'delattr': guarded_delattr, 'pow': guarded_pow, 'type': type_of, 'print': print_, 'globals': globals_,
        '_mc_attr': _guarded_getattr, '_mc_write': write_guard, '_mc_pow': guarded_pow, '_mc_shift': guarded_shift,
        'SandboxViolation': SandboxViolation, 'ResourceLimitExceeded': ResourceLimitExceeded,
    })
    for name in _API['refused']:
        builtins[name] = unavailable(name)
    builtins['__import__'] = _internal_import
    own = {name for name in builtins if name not in _API['builtins'] and name not in _API['refused']
           and not name.startswith('_mc_') and name not in ('__build_class__', '__import__')}
    if own != set(_API['guarded']):
        raise RuntimeError(f"the worker's own builtins differ from the host's table: {sorted(own ^ set(_API['guarded']))}")

    def get_token():
        return run.call('get_token', {})

    def schedule_task(seconds, retries=0):
        run.call('schedule_task', {'seconds': int(seconds), 'retries': int(retries)})

    def send_to_trigger(action, payload=None):
        run.call('send_to_trigger', {'action': str(action), 'payload': _to_json(payload, 'send_to_trigger payload')})

    def send_to_parser(action, data):
        run.call('send_to_parser', {'action': str(action), 'data': _to_json(data, 'send_to_parser data')})

    integration_variables = inputs.get('integration_variables') or {}

    def modify_tokens(tokens):
        if not isinstance(tokens, dict):
            raise TypeError('modify_tokens expects a dict of all tokens (it replaces every stored token)')
        tokens = _to_json(tokens, 'modify_tokens tokens')
        run.call('modify_tokens', {'tokens': tokens})
        integration_variables.clear()
        integration_variables.update(tokens)

    def create_cron_job(*args, **kwargs):
        run.call('create_cron_job', {'args': _to_json(list(args), 'create_cron_job arguments'),
                                     'kwargs': _to_json(kwargs, 'create_cron_job arguments')})

    def dispatch_command(action, payload=None, passthrough=None):
        return run.call('dispatch_command', {'action': str(action),
                                             'payload': _to_json(payload, 'dispatch_command payload'),
                                             'passthrough': _to_json(passthrough, 'dispatch_command passthrough')})

    url_members = {name: getattr(_urlparse, name) for name in (
        'urlparse', 'urlunparse', 'urlsplit', 'urlunsplit', 'urljoin', 'urlencode', 'quote', 'quote_plus',
        'unquote', 'unquote_plus', 'parse_qs', 'parse_qsl', 'urldefrag')}
    url_members['__call__'] = _urlparse.urlparse

    variables = inputs.get('variables') or {}
    payload = inputs.get('payload') or {}
    all_variables = inputs.get('all_variables')
    if all_variables is None:
        all_variables = {**variables, **integration_variables, **(payload if isinstance(payload, dict) else {})}
    company = inputs.get('company_id') or inputs.get('entity_id')
    namespace.update({
        '__builtins__': builtins, '__name__': 'action',
        'payload': payload, 'storage': inputs.get('storage') or {}, 'variables': variables,
        'integration_variables': integration_variables, 'all_variables': all_variables,
        'action': inputs.get('action'), 'entity_id': company, 'company_id': company,
        'person_id': inputs.get('person_id'), 'integration': inputs.get('integration'),
        'webhook_url': inputs.get('webhook_url'),
        'http': _http_facade(run), 'logging': _logging_facade(run),
        'json': _Facade('json', {'loads': _json_loads, 'dumps': _json.dumps, 'JSONDecodeError': JSONDecodeError}),
        'datetime': _Facade('datetime', {'datetime': _datetime.datetime, 'date': _datetime.date,
                                         'time': _datetime.time, 'timedelta': _datetime.timedelta,
                                         'timezone': _datetime.timezone}),
        'uuid': _Facade('uuid', {'uuid4': _uuid.uuid4, 'uuid5': _uuid.uuid5, 'uuid3': _uuid.uuid3, 'UUID': _uuid.UUID,
                                 'NAMESPACE_DNS': _uuid.NAMESPACE_DNS, 'NAMESPACE_URL': _uuid.NAMESPACE_URL}),
        'urlparse': _CallableFacade('urlparse', url_members),
        'b64': _b64,
        'get_token': get_token, 'schedule_task': schedule_task, 'send_to_trigger': send_to_trigger,
        'send_to_parser': send_to_parser, 'modify_tokens': modify_tokens, 'create_cron_job': create_cron_job,
        'dispatch_command': dispatch_command,
    })
    preloaded = set(namespace) - {'__builtins__', '__name__'}
    if preloaded != set(_API['globals']):
        raise RuntimeError(f"the worker's preloaded globals differ from the host's table: {sorted(preloaded ^ set(_API['globals']))}")
    if limits.get('escape_for_tests'):
        # PythonWorkerPoolOptions.GrantEscapeForTests, which only the tests can set: an attacker past every guard.
        import builtins as _builtins, gc as _gc, sys as _sys
        namespace['ESCAPED'] = {'builtins': _builtins, 'sys': _sys, 'os': os, 'type': type, 'gc': _gc,
                                'resource': resource, 'getattr': getattr, 'setattr': setattr, 'open': open,
                                'import': __import__, 'worker': _sys.modules['__main__']}
    return namespace


def _user_line(tb, filename):
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _error(kind, message, python_type=None, line=None):
    return {'kind': kind, 'message': message, 'type': python_type, 'line': line}


def _execute(message, limits):
    global _current
    filename = message.get('filename') or 'action.py'
    source = message['source']
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as e:
        return _error('syntax', e.msg, 'SyntaxError', e.lineno), None
    checker = _Checker()
    checker.visit(tree)
    if checker.findings:
        line, text = sorted(checker.findings)[0]
        more = len(checker.findings) - 1
        return _error('sandbox', text + (f' (and {more} more)' if more else ''), 'SandboxViolation', line), None
    code = compile(ast.fix_missing_locations(_Rewriter().visit(tree)), filename, 'exec', dont_inherit=True)
    run = _Run(message, limits)
    namespace = new_namespace(run, message.get('globals') or {})
    _current = run
    try:
        exec(code, namespace)
        main = namespace.get('main')
        if not callable(main):
            return _error('python', 'the step defines no main(storage) function', 'NameError', None), run
        value = main(namespace['storage'])
        if run.violation:
            return _error('sandbox', run.violation, 'SandboxViolation', None), run
        if run.limit:
            return _error('limit', run.limit, 'ResourceLimitExceeded', None), run
        if _too_deep(value, _MAX_DEPTH) or _too_deep(namespace['storage'], _MAX_DEPTH):
            return _error('result', _depth_error('the value main returned, or storage,'), 'ValueError'), run
        try:
            encoded = _json.loads(_json.dumps({'value': value, 'storage': namespace['storage']}, allow_nan=False))
        except (TypeError, ValueError) as e:
            return _error('result', f'main returned a value that is not JSON-serializable: {e}', type(e).__name__), run
        return {'value': encoded['value'], 'storage': encoded['storage']}, run
    except SandboxViolation as e:
        return _error('sandbox', run.violation or str(e), 'SandboxViolation', _user_line(e.__traceback__, filename)), run
    except ResourceLimitExceeded as e:
        return _error('limit', run.limit or str(e), 'ResourceLimitExceeded', _user_line(e.__traceback__, filename)), run
    except MemoryError as e:
        return _error('memory', 'the step ran out of memory (sandbox address-space limit)', 'MemoryError',
                      _user_line(e.__traceback__, filename)), run
    except BaseException as e:  # the user's exception is a result, whatever it is
        if run.violation:
            return _error('sandbox', run.violation, 'SandboxViolation', _user_line(e.__traceback__, filename)), run
        return _error('python', str(e), type(e).__name__, _user_line(e.__traceback__, filename)), run
    finally:
        _current = None


def _run_once(limits):
    """One run, in its own process: read the run frame, execute, answer. The process then ends."""
    while True:
        message = _receive()
        if message.get('t') == 'run':
            break
    outcome, run = _execute(message, limits)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = {'t': 'result', 'id': message['id'], 'maxrss_kb': usage.ru_maxrss,
              'logs_dropped': run.logs_dropped if run else 0}
    if 'kind' in outcome:
        result.update(ok=False, error=outcome)
    else:
        result.update(ok=True, value=outcome['value'], storage=outcome['storage'])
    try:
        _send(result)
    except (TypeError, ValueError) as e:
        _send({'t': 'result', 'id': message['id'], 'ok': False, 'maxrss_kb': usage.ru_maxrss, 'logs_dropped': 0,
               'error': _error('result', f'the result could not be encoded: {e}', type(e).__name__)})


_HOST_GONE = 75  # a run process's exit code when the host closed the pipe: the zygote then ends too


_WARM_UP = {'t': 'run', 'id': 'warm-up', 'filename': 'warm-up.py', 'source': 'def main(storage):\n    return {}\n'}


def _fork_run_process(limits, seccomp):
    """Forks the process for the next run ahead of time: it applies its limits and filter, warms up, says so on its
    ready pipe, then waits at a gate until the zygote lets it read the host's next frame. Returns
    (pid, gate, frames, ready) for the zygote."""
    global _OUT
    gate_read, gate_write = os.pipe()
    frames_read, frames_write = os.pipe()
    ready_read, ready_write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(gate_read)
        os.close(frames_write)
        os.close(ready_write)
        return pid, gate_write, frames_read, ready_read
    try:
        os.close(gate_write)
        os.close(frames_read)
        os.close(ready_read)
        os.close(_OUT)  # this process never writes to the host itself: the zygote relays its frames (_relay)
        _OUT = frames_write
        # Nothing else of the zygote's: the pipes of the run being relayed while this process was forked.
        for fd in range(3, int(limits['open_files'])):
            if fd not in (_IN, frames_write, gate_read, ready_write):
                try:
                    os.close(fd)
                except OSError:
                    pass
        seccomp.prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL: never outlive the zygote
        _apply_run_rlimits(limits)
        seccomp.install_run()
        # A constant step of our own through the whole run path, so the copy-on-write faults of a fresh fork are
        # taken here, before the gate, and not inside the next run's latency (docs/python-sandbox.md). It logs
        # nothing and sends nothing; no user code has run in this process.
        _execute(_WARM_UP, limits)
        os.write(ready_write, b'r')
        os.close(ready_write)
        if os.read(gate_read, 1) != b'g':
            os._exit(0)
        os.close(gate_read)
        _run_once(limits)
    except SystemExit:  # _read_exact: the host closed its pipe
        os._exit(_HOST_GONE)
    except BaseException:  # noqa: any failure ends this process, which the zygote reports
        os._exit(71)
    os._exit(0)  # no finalizers, no atexit: nothing of the run runs after its answer


def _ready_run_process(limits, seccomp):
    """A run process that has reached its gate. One that dies before it (it cannot set itself up) is reaped and
    forked again; if that keeps happening the zygote ends, and the host replaces the worker."""
    for _ in range(3):
        pid, gate, frames, ready = _fork_run_process(limits, seccomp)
        said = os.read(ready, 1)
        os.close(ready)
        if said == b'r':
            return pid, gate, frames
        os.close(gate)
        os.close(frames)
        os.waitpid(pid, 0)
    os._exit(72)


def _read_exact_from(fd, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


# Every run's process is a copy of the zygote's memory, so a run's frames must never stay in it: a freed bytes object
# keeps its contents in the heap (a token in a `call` frame's headers, a result), and the next process would be
# forked with them. The zygote relays through this one buffer, cleared after each frame; a frame larger than it goes
# through a mapping of its own, unmapped after the frame.
_RELAY_BUFFER = bytearray(64 * 1024)
_RELAY_ZEROS = bytes(len(_RELAY_BUFFER))


def _read_into(fd, view):
    got = 0
    while got < len(view):
        n = os.readv(fd, [view[got:]])
        if not n:
            return False
        got += n
    return True


def _relay_frame(frames, header, size):
    """Relays one frame whose 4-byte header was read; False when the process ended in the middle of it."""
    total = 4 + size
    mapping = _mmap.mmap(-1, total) if total > len(_RELAY_BUFFER) else None
    view = memoryview(mapping if mapping is not None else _RELAY_BUFFER)[:total]
    try:
        view[:4] = header
        if not _read_into(frames, view[4:]):
            return False
        _write_all(_OUT, view)
        return True
    finally:
        if mapping is None:
            view[:] = memoryview(_RELAY_ZEROS)[:total]
        view.release()
        if mapping is not None:
            mapping.close()


def _relay(frames, max_frame):
    """Copies a run process's frames to the host whole, until it closes its end (it exited). A length with the
    control bit, or past the frame limit, is refused, so no run can forge the zygote's 'exited' frame; a frame
    cut short (the process died while writing) is dropped. Returns why the relay stopped early, if it did."""
    while True:
        header = _read_exact_from(frames, 4)
        if header is None:
            return None
        size = int.from_bytes(header, 'big')
        if size & _CONTROL:
            return 'the run process sent a frame header with the control bit'
        if size > max_frame:
            _write_all(_OUT, header)  # the host refuses it as too large (a resource limit), as it always has
            return f'the run process sent a frame of {size} bytes (limit {max_frame})'
        if not _relay_frame(frames, header, size):
            return 'the run process ended in the middle of a frame'


def _cpu_seconds(pid):
    """The CPU time RLIMIT_CPU counts (sum_exec_runtime); rusage is tick-sampled and reads low under load."""
    try:
        with open(f'/proc/{pid}/schedstat') as stat:
            return int(stat.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def _zygote(limits, seccomp, pending):
    """Lets one waiting process at a time take the host's next run, relays its answer, and only then forks the
    next one (while the finished process is torn down), so neither fork nor exit sits between a run's frame and
    its answer. The host sends the next run after the 'exited' frame, which therefore means both: the previous
    run's process is gone, and the next one waits at its gate, set up and warmed."""
    max_frame = limits.get('max_frame', 64 * 1024 * 1024)
    while True:
        pid, gate, frames = pending
        try:
            os.write(gate, b'g')
        except OSError:  # the waiting process is gone: start another
            os.close(gate)
            os.close(frames)
            os.waitpid(pid, 0)
            pending = _ready_run_process(limits, seccomp)
            continue
        os.close(gate)
        problem = _relay(frames, max_frame)
        os.close(frames)
        if problem is not None:
            os.kill(pid, 9)
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        cpu = _cpu_seconds(pid)  # read before reaping, while /proc still has the process
        _, status, usage = os.wait4(pid, 0)
        exited = {'t': 'exited', 'pid': pid, 'cpu_seconds': cpu if cpu is not None else usage.ru_utime + usage.ru_stime,
                  'maxrss_kb': usage.ru_maxrss, 'problem': problem}
        if os.WIFSIGNALED(status):
            exited['signal'] = os.WTERMSIG(status)
        else:
            exited['code'] = os.WEXITSTATUS(status)
            if exited['code'] == _HOST_GONE:
                os._exit(0)  # no host: do not fork the next process
        # Forked only now that the previous process is gone, so no two run processes ever live at once.
        pending = _ready_run_process(limits, seccomp)
        _send(exited, control=True)


def _serve():
    global _MAX_DEPTH, _API
    init = _receive()
    limits = init['limits']
    _API = init['api']
    _MAX_DEPTH = limits.get('max_depth', _MAX_DEPTH)
    rlimits = _apply_rlimits(limits)
    seccomp = _Seccomp()
    seccomp_error = seccomp.install_zygote() if limits.get('seccomp', True) else 'disabled by the host'
    if seccomp_error is not None:
        seccomp.run_filter = None
    seccomp.prctl(4, 0)  # PR_SET_DUMPABLE 0: no run process may open this one's /proc files (fd, mem, ...)
    pending = _ready_run_process(limits, seccomp)
    _send({'t': 'ready', 'python': '.'.join(str(p) for p in __import__('sys').version_info[:3]),
           'rlimits': rlimits, 'seccomp': seccomp_error is None, 'seccomp_error': seccomp_error,
           'fork_per_run': True}, control=True)
    _zygote(limits, seccomp, pending)


_serve()
