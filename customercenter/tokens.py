"""Secrets that travel in links and headers (release links, invitations, API tokens) are stored
only as their SHA-256 hash, so a copy of the database opens nothing."""

import hashlib


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
