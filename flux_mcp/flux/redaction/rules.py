"""The one rule set: which names mean a credential, and which fields of which kinds hold one.

Both passes read it: the structural pass on object trees (a mapping key, an `env` entry's
`name`, a `--flag` in an argument list) and the text pass (`key=value`, `key: value` inside
free text). Deliberate exceptions keep false positives low: a name whose last word says it
*refers to* or *describes* a credential (`secretRef`, `secretName`, `tokenTTL`,
`passwordSecretKeyRef`) is not one.
"""

from __future__ import annotations

import re
from functools import lru_cache

MASK = "****"

# Words (after splitting camelCase, snake_case, kebab-case and dots) that make a name a credential.
CREDENTIAL_WORDS: frozenset[str] = frozenset({
    "password", "passwd", "passphrase", "pwd", "pass", "secret", "secrets", "token", "tokens",
    "apikey", "accesskey", "privatekey", "secretkey", "accountkey", "sharedaccesskey", "masterkey",
    "credential", "credentials", "creds", "auth", "authorization", "connectionstring", "dsn", "sas",
    "webhook", "webhookurl", "cookie", "sessionkey", "clientsecret", "authtoken", "bearer", "signature",
})
# Adjacent word pairs that mean a credential although neither word does alone (`key` alone is a label key).
CREDENTIAL_PAIRS: frozenset[tuple[str, str]] = frozenset({
    ("api", "key"), ("access", "key"), ("private", "key"), ("secret", "key"), ("account", "key"),
    ("signing", "key"), ("encryption", "key"), ("master", "key"), ("session", "key"), ("ssh", "key"),
    ("connection", "string"), ("client", "secret"), ("shared", "access"), ("deploy", "key"), ("license", "key"),
})
# A last word that makes the name a reference to, or a property of, a credential: not one itself.
EXEMPT_LAST_WORDS: frozenset[str] = frozenset({
    "ref", "refs", "name", "names", "namespace", "ttl", "selector", "type", "kind", "enabled", "required",
    "length", "file", "path", "mount", "mountpath", "dir", "policy", "provider", "format", "version", "id",
    "expiry", "expiration", "expires", "rotation", "hash", "algorithm", "mode", "source", "sources", "from",
    "template", "store", "class", "optional", "exists", "count", "label", "annotation", "field",
    # An API group's name ends in its domain (`rbac.authorization.k8s.io`, `*.fluxcd.io`): what follows
    # it is a list of kinds, not a credential.
    "io",
})
# Whole names (words joined, lower case) that look like credentials and are not: paging cursors,
# Kubernetes API kinds and booleans about tokens.
EXEMPT_NAMES: frozenset[str] = frozenset({
    "continuetoken", "continue", "nextpagetoken", "pagetoken", "tokenreview", "tokenrequest",
    "selfsubjectaccessreview", "automountserviceaccounttoken", "tokenexpirationseconds",
})

# Words so generic on their own that they only count in a pair or as a whole name (`pass: true`).
_WEAK_WORDS: frozenset[str] = frozenset({"pass", "auth", "signature", "sas", "dsn", "cookie", "bearer"})

_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def words_of(name: str) -> list[str]:
    """`postgresPassword` → [postgres, password]; `AWS_SECRET_ACCESS_KEY` → [aws, secret, access, key]."""
    return [w.lower() for w in _WORD_SPLIT.split(name) if w]


@lru_cache(maxsize=16_384)
def is_credential_name(name: str) -> bool:
    """True when a key, env var or flag name means its value is a credential."""
    if len(name) > 200:
        return False
    words = words_of(name)
    if not words or words[-1] in EXEMPT_LAST_WORDS:
        return False
    joined = "".join(words)
    if joined in EXEMPT_NAMES:
        return False
    if joined in CREDENTIAL_WORDS:
        return True
    for i, word in enumerate(words):
        if word in CREDENTIAL_WORDS and (word not in _WEAK_WORDS or len(words) <= 3):
            return True
        if i and (words[i - 1], word) in CREDENTIAL_PAIRS:
            return True
    return False


_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?")


def is_public_value(value: str) -> bool:
    """Values that are never a credential whatever their key says: a timestamp (a reconcile request
    token is one), an empty or already-masked value."""
    return value in ("", MASK) or (len(value) <= 40 and _TIMESTAMP.fullmatch(value) is not None)


# Fields of particular kinds whose value is a credential although their name does not say so.
# (kind, path below the object); a path ending in a URL field keeps scheme and host only.
KIND_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    # notification-controller Provider: Slack/Discord/Teams webhook URLs carry the secret in the path,
    # and a proxy URL may carry userinfo.
    "Provider": (("spec", "address"), ("spec", "proxy")),
    # The Receiver's webhook path is the only thing standing between the internet and a reconcile trigger.
    "Receiver": (("status", "webhookPath"), ("status", "url")),
}
SECRET_DATA_FIELDS: tuple[str, ...] = ("data", "stringData", "binaryData")
"""Every value of these fields of a Secret (anywhere: top level or embedded) is masked."""

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
"""Removed outright: it repeats the whole object, including a Secret's stringData."""
