"""A file operation refused, in the kernel's words (errno's strerror texts), which the applets
print as busybox does: `FileError(ENOENT, "/x")` is what `cat /x` reports as
"cat: can't open '/x': No such file or directory".

Shared by a container's own files (filesystem.py) and the machine's folders bind-mounted into it
(binds.py), whose errors come from the machine's kernel with the same texts.
"""
from __future__ import annotations

ENOENT = "No such file or directory"
ENOTDIR = "Not a directory"
EISDIR = "Is a directory"
EEXIST = "File exists"
ENOTEMPTY = "Directory not empty"
EROFS = "Read-only file system"
EBUSY = "Resource busy"
EINVAL = "Invalid argument"
EACCES = "Permission denied"


class FileError(Exception):
    """A file operation refused, in the kernel's words: `FileError(ENOENT, "/x")`."""

    def __init__(self, reason: str, path: str):
        super().__init__(f"{path}: {reason}")
        self.reason = reason
        self.path = path
