"""git, driven through its plumbing: one signed commit per change, trailers, history.

Commits are made with `commit-tree -S`, never GitPython's `index.commit` (which does not sign),
on a tree made from the parent's (keyledger.trees), so nothing else staged is swept into them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from keyledger import faults
from keyledger.errors import FatalError
from keyledger.i18n import _

ZERO = "0" * 40
TRAILER_PREFIX = "Keyledger-"
# Whatever the user's git config says, keyledger reads UTF-8 and plain commit ids.
FIXED_CONFIG = ("-c", "i18n.logOutputEncoding=UTF-8", "-c", "log.showSignature=false",
                 "-c", "core.quotePath=false")


# Set in a user's shell, these would make keyledger's pathspecs (`households/*.yaml`) mean
# something else, and hide what changed in the work tree.
_PATHSPEC_ENV = ("GIT_LITERAL_PATHSPECS", "GIT_GLOB_PATHSPECS", "GIT_NOGLOB_PATHSPECS",
                 "GIT_ICASE_PATHSPECS")


def _path_with_this_keyledger() -> str:
    """PATH with the folder of the running keyledger first, when its programs are there: the
    hooks a push runs (`pre-push`, a local shared ledger's `pre-receive`) find keyledger on the
    PATH, and must find this one even when it was started by its full path."""
    path = os.environ.get("PATH", os.defpath)
    here = os.path.dirname(sys.executable)
    if os.path.isfile(os.path.join(here, "keyledger")) and path.split(os.pathsep)[0] != here:
        return here + os.pathsep + path
    return path


def _env() -> dict[str, str]:
    from datetime import timezone

    from keyledger.timeutil import now

    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C", PATH=_path_with_this_keyledger())
    for name in _PATHSPEC_ENV:
        env.pop(name, None)
    # A commit's git time is keyledger's clock, not GIT_COMMITTER_DATE from the shell: `verify`
    # reads a commit's moment from it when it has no Keyledger-At (keyledger.time_order).
    env["GIT_COMMITTER_DATE"] = env["GIT_AUTHOR_DATE"] = now(timezone.utc).isoformat()
    return env


def _argv(root: Path, *args: str) -> list[str]:
    return ["git", "-C", str(root), *FIXED_CONFIG, *args]


def _spawn(argv: list[str], input: str | bytes | None, text: bool) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, input=input, capture_output=True, text=text,
                              encoding="utf-8" if text else None, env=_env())
    except FileNotFoundError:
        raise FatalError(_("git is not installed, or not on the PATH."))


def run(root: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return _spawn(_argv(root, *args), input, text=True)


def run_bounded(root: Path, *args: str, timeout: float | None) -> subprocess.CompletedProcess[str]:
    """git over the network (fetch, push) with a deadline: when it passes, git and what it
    started (ssh) are stopped, and the answer says so (status 124, as `timeout` gives)."""
    if timeout is None:
        return run(root, *args)
    import signal

    try:
        proc = subprocess.Popen(_argv(root, *args), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                encoding="utf-8", env=_env(), start_new_session=True)
    except FileNotFoundError:
        raise FatalError(_("git is not installed, or not on the PATH."))
    try:
        out, err = proc.communicate(timeout=max(timeout, 0.1))
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return subprocess.CompletedProcess(proc.args, 124, "", _(
            "fatal: no answer within {n} seconds").format(n=round(timeout, 1)))
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


# git's own words around the reason, which say nothing a steward can act on.
_GENERIC = ("failed to push some refs", "Could not read from remote repository",
            "Please make sure you have the correct access rights", "and the repository exists",
            "pre-receive hook declined")


def error_reason(stderr: str) -> str:
    """The line of git's error output that says why: the shared ledger's own refusal first,
    then git's rejection or fatal error, never its closing boilerplate."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    refusals = [line.removeprefix("remote:").strip() for line in lines
                if line.startswith("remote:") and "refused" in line]
    if refusals:
        return "; ".join(refusals)
    useful = [line for line in lines if not any(g in line for g in _GENERIC)]
    rejected = [line for line in useful if line.startswith("! [")]
    fatal = [line for line in useful if line.lower().startswith(("fatal:", "error:"))]
    return (rejected or fatal or useful or lines or ["?"])[0]


def _last_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "?"


def git(root: Path, *args: str, input: str | None = None, check: bool = True) -> str:
    result = run(root, *args, input=input)
    if check and result.returncode != 0:
        from keyledger.gitlock import from_stderr

        locked = from_stderr(result.stderr)
        if locked is not None:
            raise locked
        command = next(a for a in args if not a.startswith("-") and "=" not in a)
        raise FatalError(_("git {command} failed: {error}").format(
            command=command, error=_last_line(result.stderr)))
    return result.stdout


def git_bytes(root: Path, *args: str, input: bytes = b"") -> bytes:
    """git's output as bytes (objects, NUL-separated names), failing as `git` does."""
    result = _spawn(_argv(root, *args), input, text=False)
    if result.returncode != 0:
        raise FatalError(_("git {command} failed: {error}").format(
            command=args[0], error=_last_line(result.stderr.decode("utf-8", "replace"))))
    return result.stdout


def config_get(root: Path, name: str) -> str | None:
    value = git(root, "config", "--get", name, check=False).strip()
    return value or None


def head(root: Path) -> str | None:
    value = git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).strip()
    return value or None


def dirty_paths(root: Path, paths: list[str]) -> list[str]:
    """Those of `paths` whose work-tree or staged content differs from HEAD."""
    out = git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths)
    return [entry[3:] for entry in out.split("\0") if entry]


def head_and_dirty(root: Path, files: list[str]) -> tuple[str | None, list[str]]:
    """HEAD, and those of `files` whose work-tree content differs from HEAD's (or that exist in
    only one of them), in one git process that reads no index: a street office's index is
    megabytes, read by every other step of a commit already. A staged change elsewhere is caught
    when the commit's tree is compared with its parent's."""
    import hashlib

    names = ["HEAD"] + [f"HEAD:{f}" for f in files]
    lines = git(root, "cat-file", "--batch-check", input="\n".join(names) + "\n").splitlines()
    first = lines[0].split() if lines else []
    head = first[0] if first[1:2] == ["commit"] else None
    suspect = []
    for path, line in zip(files, lines[1:]):
        blob = line.split()[0] if line.split()[1:2] == ["blob"] else None
        try:
            data = (root / path).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            data = None
        if blob is None or data is None:
            if (blob is None) != (data is None):
                suspect.append(path)
            continue
        digest = hashlib.new("sha1" if len(blob) == 40 else "sha256",
                             b"blob %d\0" % len(data) + data).hexdigest()
        if digest != blob:
            suspect.append(path)
    # A file git stores through a filter (git-lfs) differs from its blob and is still clean.
    return head, dirty_paths(root, suspect) if suspect else []


def write_commit_graph_later(root: Path) -> None:
    """A new split layer of the commit-graph, with changed-path filters, written by git in the
    background (merged into the layers below when they are no bigger than twice its size)."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    try:
        subprocess.Popen(["git", "-C", str(root), "commit-graph", "write", "--reachable",
                          "--split", "--changed-paths", "--size-multiple=2"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    except OSError:
        pass  # git's commit-graph only makes reading faster; the ledger is whole without it


def format_message(subject: str, trailers: list[tuple[str, str]]) -> str:
    # A trailer is one line, so that it cannot forge another. Text typed by a person was made
    # one line where it came in (keyledger.text), so this changes nothing the files hold.
    from keyledger.text import line

    folded = [(name, line(str(value))) for name, value in trailers]
    lines = [f"{TRAILER_PREFIX}{name}: {value}" for name, value in folded if value]
    return line(subject) + "\n\n" + "\n".join(lines) + "\n"


def commit(root: Path, paths: list[str], message: str, parent: str | None,
           scratch: Path, contents: dict[str, str | bytes | None] | None = None) -> str:
    """Commit exactly `paths` (written or deleted in the work tree), signed, on `parent`.

    The tree is the parent's with those files in it (keyledger.trees), so nothing else staged
    in the index goes into the commit; the index is updated for those paths alone. On any
    failure their index entries are put back as they were at `parent`; the caller puts the
    work-tree files back, so a refused or failed commit leaves no trace.
    """
    from keyledger.trees import tree_with

    present = [p for p in paths if (root / p).is_file()]
    if contents is not None:  # many files, given: one pack instead of a loose object each
        blobs = _pack_blobs(root, [contents[p] for p in present], scratch)
    else:
        blobs = git(root, "hash-object", "-w", "--stdin-paths",
                    input="".join(p + "\n" for p in present)).split() if present else []
    files: dict[str, str | None] = {p: None for p in paths}
    files.update(zip(present, blobs))
    tree = tree_with(root, parent, files, scratch)
    sha = None
    try:
        if paths:
            git(root, "update-index", "--add", "--remove", "--", *paths)
        faults.point("after-index")
        signed = run(root, "commit-tree", "-S", tree, "-F", "-",
                     *(["-p", parent] if parent else []), input=message)
        if signed.returncode != 0:
            raise FatalError(_("git could not sign the commit ({error}); check `keyledger whoami` "
                               "and that the signing key is readable or in ssh-agent.").format(
                                   error=_last_line(signed.stderr)))
        sha = signed.stdout.strip()
        faults.point("after-commit-tree")
        git(root, "update-ref", "-m", "keyledger: " + message.splitlines()[0], "HEAD", sha,
            parent or ZERO)
        return sha
    except BaseException:
        if sha is not None and head(root) == sha:
            raise  # Ctrl-C while update-ref ran, after it moved HEAD: recorded, nothing to undo
        if paths:
            if parent:
                run(root, "reset", "-q", parent, "--", *paths)
            else:
                run(root, "rm", "-q", "-f", "--cached", "--ignore-unmatch", "--", *paths)
        raise


def _pack_blobs(root: Path, contents: list[str | bytes | None], scratch: Path) -> list[str]:
    """Blobs of `contents` written as one pack by git fast-import (12,000 loose objects took
    git hash-object 15-30 s on a busy disk; a pack takes 2-3 s); their ids, in order."""
    marks = scratch / f"blob-marks.{os.getpid()}"
    chunks = []
    for number, content in enumerate(contents, 1):
        data = content.encode("utf-8") if isinstance(content, str) else content or b""
        chunks.append(b"blob\nmark :%d\ndata %d\n%s\n" % (number, len(data), data))
    try:
        git_bytes(root, "fast-import", "--quiet", f"--export-marks={marks}",
                  input=b"".join(chunks))
        ids = dict(line.split() for line in marks.read_text(encoding="ascii").splitlines())
    finally:
        marks.unlink(missing_ok=True)
    return [ids[f":{n}"] for n in range(1, len(contents) + 1)]


@dataclass(frozen=True)
class LogEntry:
    sha: str
    signature: str  # git's %G?: G good, N none, B bad, U/E unknown key or cannot check
    signer: str     # the principal from the allowed-signers file
    committed: str
    subject: str
    trailers: dict[str, str]

    @property
    def verified(self) -> bool:
        return self.signature == "G" and self.signer == self.trailers.get("Steward")


_FIELDS = "%H%x1f%G?%x1f%GS%x1f%cI%x1f%s%x1f%(trailers:only,unfold)%x1e"


def parse_trailers(text: str) -> dict[str, str]:
    from keyledger.text import printable

    trailers = {}
    for line in text.splitlines():
        name, _sep, value = line.partition(": ")
        if name.startswith(TRAILER_PREFIX):  # a commit made elsewhere may hold escape sequences
            trailers[name[len(TRAILER_PREFIX):]] = printable(value.strip())
    return trailers


def _history_order(root: Path, rev: str, shas: list[str]) -> dict[str, int]:
    """Position of each commit in the history from `rev`, newest first, by `git rev-list`
    read until all are seen. keyledger's histories are linear (verify refuses merges), so this
    is the parent chain, whatever the clocks of the stewards' machines said."""
    wanted, order = set(shas), {}
    walk = subprocess.Popen(_argv(root, "rev-list", rev),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=_env())
    try:
        for position, line in enumerate(walk.stdout or ()):
            if line.strip() in wanted:
                order[line.strip()] = position
                if len(order) == len(wanted):
                    break
    finally:
        walk.kill()
        walk.wait()
    return order


def log(root: Path, paths: list[str], limit: int | None = None, rev: str = "HEAD",
        signers: Path | None = None, since: str | None = None) -> list[LogEntry]:
    """Commits touching `paths`, newest first; signatures checked against `signers` if given."""
    if len(paths) > 1:
        # git (2.39) consults its changed-path Bloom filters only for a single path: two keys'
        # history in one walk took 108 s at a million commits, one walk per key 4 s each. The
        # walks are put together in the order of history (a commit may be in several).
        unique: dict[str, LogEntry] = {}
        for path in paths:
            for entry in log(root, [path], limit, rev, signers, since):
                unique.setdefault(entry.sha, entry)
        order = _history_order(root, rev, list(unique))
        merged = sorted(unique.values(), key=lambda e: order.get(e.sha, len(order)))
        return merged[:limit] if limit else merged
    config = ["-c", f"gpg.ssh.allowedSignersFile={signers}"] if signers else []
    fields = _FIELDS if signers else _FIELDS.replace("%G?", "N").replace("%GS", "")
    args = [*config, "log", f"--format={fields}", *([f"-n{limit}"] if limit else []),
            *([f"--since={since}"] if since else []), rev, "--", *paths]
    return _entries(git(root, *args))


def entries(root: Path, shas: list[str]) -> list[LogEntry]:
    """The commits `shas`, in that order, as `log` reads them (signatures not checked): what
    the event index found, read from git itself."""
    if not shas:
        return []
    fields = _FIELDS.replace("%G?", "N").replace("%GS", "")
    return _entries(git(root, "log", "--no-walk=unsorted", "--stdin", f"--format={fields}",
                        input="".join(s + "\n" for s in shas)))


def _entries(text: str) -> list[LogEntry]:
    from keyledger.text import printable

    out = []
    for record in text.split("\x1e"):
        record = record.strip("\n")
        if record:
            sha, sig, signer, committed, subject, trailer_text = record.split("\x1f")
            out.append(LogEntry(sha, sig, signer, committed, printable(subject),
                                parse_trailers(trailer_text)))
    return out
