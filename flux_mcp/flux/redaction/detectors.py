"""Text detectors: credentials inside free text, found in time linear in the text.

Every pattern runs on RE2 (`google-re2`), whose automata never backtrack: no input makes a
detector slower than a scan of the text, whatever its shape (`"a." * 450_000 + " token"` took
314 s with the former backtracking URL pattern; RE2 scans it in milliseconds). A cheap
substring pre-check (`may_hold_secret`) skips the patterns for the vast majority of strings,
which hold none of the needles.

Why a curated list and not `detect-secrets` (Yelp, 1.5.0, default plugins), measured here on a
37.5 KB `get_kubernetes_resources` answer and on the 37 text forms of the sandbox canary corpus:
it found all 37 forms (most through its entropy detectors), but took 4.3 s for the answer where
this module takes ~21 ms in the same run, it reports findings per line rather than spans to mask
in place, and of its 3,623 findings on that answer 1,019 were hex digests and Git revisions:
masking those would blank the revisions and image digests a Flux answer is about. The curated
list covers every format issue 11 names plus common vendor prefixes, each with a unit test and
a canary form.
Upkeep: a new format is one alternative in `_VENDOR_TOKENS` plus a canary form.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import re2

from flux_mcp.flux.redaction.rules import MASK, is_credential_name, is_public_value

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False


def _compile(pattern: str) -> Any:
    return re2.compile(pattern, options=_OPTIONS)


# Private keys of every armour: PEM (RSA, EC, OPENSSH, PKCS#8, encrypted), PGP private key blocks.
_PRIVATE_KEY = _compile(
    r"(?s)-----BEGIN ([A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?)-----.*?(?:-----END [A-Z0-9 ]{0,40}PRIVATE KEY"
    r"(?: BLOCK)?-----|$)"
)
# A PEM document base64-encoded once more ("LS0tLS1CRUdJTi" is "-----BEGIN"), as in a ConfigMap's tls.key.
_BASE64_PEM = _compile(r"LS0tLS1CRUdJTi[A-Za-z0-9+/=]{8,}")
# age secret keys (SOPS with age in Flux): bech32, upper case.
_AGE_KEY = _compile(r"AGE-SECRET-KEY-1[0-9A-Za-z]{20,}")
# Userinfo of a URL: scheme://user:password@host, or scheme://token@host.
_URL_USERINFO = _compile(r"\b([a-zA-Z][a-zA-Z0-9+.\-]{0,30}://)([^\s/@'\"<>]{1,512})@")
# Webhook URLs whose path is the credential (Slack, Discord, Teams/Office 365, Google Chat, generic /hooks/).
_WEBHOOK_URL = _compile(
    r"(?i)(https?://(?:hooks\.slack\.com/(?:services|workflows|triggers)|(?:[a-z0-9-]+\.)?discord(?:app)?\.com"
    r"/api/webhooks|[a-z0-9-]+\.webhook\.office\.com/webhookb2|outlook\.office\.com/webhook|chat\.googleapis\.com"
    r"/v1/spaces|[a-z0-9.-]+\.logic\.azure\.com(?::\d+)?/workflows))(/[^\s'\"<>]*)"
)
# notification-controller Receiver paths: whoever knows one can trigger reconciles.
_RECEIVER_PATH = _compile(r"(/hook/)([0-9a-f]{32,})")
# Query parameters that carry a credential (GitLab private_token, SAS sig, AWS presigned, OAuth).
_QUERY_TOKEN = _compile(
    r"(?i)([?&;](?:private_token|access_token|auth_token|refresh_token|id_token|token|sig|signature|api_key|"
    r"apikey|key|password|passwd|secret|client_secret|code|x-amz-signature|x-amz-credential|x-amz-security-token|"
    r"x-goog-signature|sv_sig)=)([^&\s'\"#<>]+)"
)
# Authorization schemes: "Bearer X", "Bearer: X", "Basic X", "token X" (GitHub style).
_AUTH_SCHEME = _compile(r"(?i)\b(bearer|basic|token)(\s*:\s*|\s+)([A-Za-z0-9._~+/=\-]{8,})")
# Flags in command lines: --password X, --token=X, --api-key X.
_FLAG = _compile(
    r"(?i)(^|[\s\"'=\[,(])(--?[A-Za-z0-9_\-]*(?:pass|pwd|secret|token|key|auth|credential)[A-Za-z0-9_\-]*)"
    r"(=|[ \t]+)(\"[^\"\n]*\"|'[^'\n]*'|[^\s\"',;]+)"
)
# key=value and key: value inside text (JSON, YAML, INI, connection strings, env files, log fields).
_KEY_VALUE = _compile(
    r"(?i)(\"?)([A-Za-z0-9_.\-]*(?:pass|pwd|secret|token|key|auth|credential|creds|dsn|sas|webhook|cookie|"
    r"signature|bearer)[A-Za-z0-9_.\-]*)(\"?[ \t]*(?:=|:)[ \t]*)"
    r"(\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[^\s\"',;&}()\]]+)"
)
# Tokens recognisable by their prefix alone; the prefix stays visible so the reader knows what it was.
_VENDOR_TOKENS = _compile(
    r"\b((?:gh[pousr]_|github_pat_|glpat-|glft-|gldt-|glrt-|glptt-|glsoat-|gloas-|xox[abposre]-|xapp-|npm_|"
    r"hvs\.|hvb\.|hvr\.|sk_live_|rk_live_|sk_test_|rk_test_|pk_live_|whsec_|sk-proj-|sk-ant-|dop_v1_|"
    r"AKIA|ASIA|AGPA|AIDA|AROA|AIza|ya29\.|SG\.|shpat_|shpss_|pypi-|dckr_pat_|pat-na1-|ATATT3|EAAC))"
    r"([A-Za-z0-9_\-.=]{16,})"
)
# JSON Web Tokens: three base64url parts, the first a JSON header.
_JWT = _compile(r"\b(eyJ[A-Za-z0-9_\-]{4,})\.([A-Za-z0-9_\-]{4,})\.([A-Za-z0-9_\-]*)")

# Lower-cased literals of every pattern above: a text holding none of them holds no secret they find.
NEEDLES: tuple[str, ...] = (
    "://", "pass", "pwd", "secret", "token", "key", "auth", "credential", "creds", "dsn", "sas", "webhook",
    "cookie", "signature", "bearer", "basic", "sig=", "code=", "-----begin", "ls0tls1crudjt", "/hook/",
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "glft-", "gldt-", "glrt-", "glptt-", "glsoat-",
    "gloas-", "xox", "xapp-", "npm_", "hvs.", "hvb.", "hvr.", "sk_", "rk_", "pk_live_", "whsec_", "sk-proj-",
    "sk-ant-", "dop_v1_", "akia", "asia", "agpa", "aida", "aroa", "aiza", "ya29.", "sg.", "shpat_", "shpss_",
    "pypi-", "dckr_pat_", "pat-na1-", "atatt3", "eaac", "eyj",
)


def may_hold_secret(text: str) -> bool:
    """Substring scans of the lower-cased text: far cheaper than any pattern, and a superset of them."""
    low = text.lower()
    return any(needle in low for needle in NEEDLES)


def _private_key(m: Any) -> str:
    return f"-----BEGIN {m.group(1)}----- {MASK}"


def _base64_pem(m: Any) -> str:
    head = m.group(0)[:64]
    try:
        decoded = base64.b64decode(head[: len(head) - len(head) % 4] + "==", validate=False)
    except (binascii.Error, ValueError):
        return MASK
    # A base64 certificate is not a secret; anything else that is PEM, or does not decode, is masked.
    return str(m.group(0)) if b"CERTIFICATE-----" in decoded and b"PRIVATE" not in decoded else MASK


def _userinfo(m: Any) -> str:
    scheme, userinfo = m.group(1), m.group(2)
    if ":" in userinfo:
        return f"{scheme}{userinfo.split(':', 1)[0]}:{MASK}@"
    # A lone user part is a login name (git@, ssh://git@) unless it is long enough to be a token.
    return f"{scheme}{MASK}@" if len(userinfo) >= 20 else str(m.group(0))


def _auth_scheme(m: Any) -> str:
    value = m.group(3)
    if value == MASK or (len(value) >= 10 and value[:4].isdigit() and value[4] == "-" and value[7] == "-"):
        return str(m.group(0))  # masked already, or a timestamp (a reconcile request token is one)
    # "token expired", "token validation failed": a value without digits that is short is a word.
    if m.group(1).lower() == "token" and not any(c.isdigit() for c in value) and len(value) < 20:
        return str(m.group(0))
    return f"{m.group(1)}{m.group(2)}{MASK}"


def _flag(m: Any) -> str:
    name = m.group(2).lstrip("-")
    if not is_credential_name(name) or m.group(4).strip("\"'") in ("", MASK) or m.group(4).startswith("-"):
        return str(m.group(0))
    return f"{m.group(1)}{m.group(2)}{m.group(3)}{MASK}"


def _key_value(m: Any) -> str:
    value = m.group(4)
    inner = value[1:-1] if value[:1] in "\"'" and len(value) >= 2 else value
    if not is_credential_name(m.group(2)) or is_public_value(inner) or inner in ("null", "true", "false", "|", ">",
                                                                                  "|-", ">-"):
        return str(m.group(0))
    quote = value[0] if value[:1] in "\"'" and len(value) >= 2 else ""
    return f"{m.group(1)}{m.group(2)}{m.group(3)}{quote}{MASK}{quote}"


def _keep_first(m: Any) -> str:
    return f"{m.group(1)}{MASK}"


_VENDOR_NEEDLES = (
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "glft-", "gldt-", "glrt-", "glptt-", "glsoat-",
    "gloas-", "xox", "xapp-", "npm_", "hvs.", "hvb.", "hvr.", "sk_", "rk_", "pk_live_", "whsec_", "sk-proj-",
    "sk-ant-", "dop_v1_", "akia", "asia", "agpa", "aida", "aroa", "aiza", "ya29.", "sg.", "shpat_", "shpss_",
    "pypi-", "dckr_pat_", "pat-na1-", "atatt3", "eaac",
)
_NAME_NEEDLES = ("pass", "pwd", "secret", "token", "key", "auth", "credential", "creds", "dsn", "sas", "webhook",
                 "cookie", "signature", "bearer")

# (pattern, replacement, lower-cased needles: the pattern only runs when one of them occurs in the text).
_DETECTORS: tuple[tuple[Any, Callable[[Any], str], tuple[str, ...]], ...] = (
    (_PRIVATE_KEY, _private_key, ("-----begin",)),
    (_BASE64_PEM, _base64_pem, ("ls0tls1crudjt",)),
    (_AGE_KEY, lambda m: f"AGE-SECRET-KEY-1{MASK}", ("age-secret-key-1",)),
    (_WEBHOOK_URL, _keep_first, ("://",)),
    (_RECEIVER_PATH, _keep_first, ("/hook/",)),
    (_URL_USERINFO, _userinfo, ("://",)),
    (_QUERY_TOKEN, _keep_first, ("=",)),
    (_AUTH_SCHEME, _auth_scheme, ("bearer", "basic", "token")),
    (_FLAG, _flag, ("-",)),
    (_KEY_VALUE, _key_value, _NAME_NEEDLES),
    (_VENDOR_TOKENS, _keep_first, _VENDOR_NEEDLES),
    (_JWT, lambda m: f"{m.group(1)[:3]}{MASK}", ("eyj",)),
)


def _sub(pattern: Any, replace: Callable[[Any], str], text: str) -> str:
    # finditer + join: google-re2's own sub() is several times slower on 40 KB texts with few matches.
    parts: list[str] = []
    end = 0
    for m in pattern.finditer(text):
        parts += (text[end:m.start()], replace(m))
        end = m.end()
    if not parts:
        return text
    parts.append(text[end:])
    return "".join(parts)


MEMO_CHARS = 128
"""Short texts are judged once per process: the string leaves of a page of objects repeat (reasons,
revisions, timestamps, kinds), and redaction is a pure function of the text."""


def redact_text(text: str) -> str:
    """Mask every credential the detectors recognise in free text."""
    if not text:
        return text
    if len(text) <= MEMO_CHARS:
        return _redact_short(text)
    return _redact(text)


@lru_cache(maxsize=2048)
def _redact_short(text: str) -> str:
    return _redact(text)


def _redact(text: str) -> str:
    low = text.lower()
    if not any(needle in low for needle in NEEDLES):
        return text
    for pattern, replace, needles in _DETECTORS:
        if any(needle in low for needle in needles):
            text = _sub(pattern, replace, text)
    return text
