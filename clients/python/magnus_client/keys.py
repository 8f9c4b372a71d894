"""CURVE key files written by `magnus keygen` (docs/operations.md, "Authentication")."""
from __future__ import annotations

import os
import stat
from typing import List, Optional, Tuple

import zmq


def _key_lines(path: str) -> List[str]:
    """The keys in a Magnus key file: one 40-character Z85 key per line (optionally followed by
    a name); empty lines and lines starting with '# ' are comments (a key may start with '#')."""
    with open(path, encoding="utf-8") as file:
        lines = [line.strip() for line in file]
    keys = [line.split()[0] for line in lines if line and line != "#" and not line.startswith("# ")]
    for key in keys:
        if len(key) != 40:
            raise ValueError(f"{path}: not a 40-character Z85 CURVE key")
    if not keys:
        raise ValueError(f"{path}: no key in the file")
    return keys


def read_secret_key(path: str) -> bytes:
    """A CURVE secret key from a Magnus `.key` file, refusing files readable by group or others."""
    mode = os.stat(path).st_mode
    if mode & 0o077:
        raise PermissionError(f"{path}: the secret key file is accessible to group or others "
                              f"(mode {stat.S_IMODE(mode):o}); run chmod 600 on it")
    return _key_lines(path)[0].encode()


def read_public_key(key_or_path: str) -> bytes:
    """A CURVE public key given inline (40 Z85 characters) or as a `.pub` file."""
    if len(key_or_path) == 40 and not os.path.exists(key_or_path):
        return key_or_path.encode()
    return _key_lines(key_or_path)[0].encode()


def curve_keys(secret_key_file: Optional[str], coordinator_key: Optional[str]) -> Optional[Tuple[bytes, bytes]]:
    """(secret key, server key) when both are given, None when neither; reads the files now so
    that a bad key fails before any socket exists."""
    if (secret_key_file is None) != (coordinator_key is None):
        raise ValueError("give both curve_secret_key_file and coordinator_key, or neither")
    if secret_key_file is None:
        return None
    return read_secret_key(secret_key_file), read_public_key(coordinator_key)


def apply_curve(socket: zmq.Socket, keys: Optional[Tuple[bytes, bytes]]) -> None:
    """Makes `socket` a CURVE client of the coordinator (before connect)."""
    if keys is None:
        return
    secret, server = keys
    socket.curve_secretkey = secret
    socket.curve_publickey = zmq.curve_public(secret)
    socket.curve_serverkey = server
