"""The canary corpus: credential forms planted across the fleet where Flux users really leak them.

Every canary is one credential *form* (a GitHub token, a PEM key, `password="a b c"`, a
HelmRelease value named `postgresPassword`, ...) in one *place* (an event message, a container
log line, a ConfigMap value, a HelmRelease's values, a Provider address, ...). Its `secret` is the
part that must never reach a transcript: the test sweep looks for it whole and for any 8-character
fragment of it. Secrets are derived from a hash of (form, place), so they are unique, stable
between runs and never occur in the fleet by chance; the public part of a form (`ghp_`,
`AGE-SECRET-KEY-1`, a user name) is not part of the secret.

All of it lives in namespace `team-vault` (plus a kustomize patch in FluxInstance `flux`), and
every Flux object planted here is healthy, so the fleet's failure scenarios are unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # fleet.py calls plant_canaries: its builders are imported when that runs
    from flux_mcp.sandbox.fleet import Clock, Fleet

Obj = dict[str, Any]

NAMESPACE = "team-vault"
APP = "vault-app"
SETTINGS = "vault-settings"
NOTES_KEY = "notes.txt"

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
_B64 = _ALNUM + "+/"


def _body(seed: str, length: int, alphabet: str = _ALNUM) -> str:
    digest = b""
    counter = 0
    while len(digest) < length:
        digest += hashlib.sha256(f"{seed}/{counter}".encode()).digest()
        counter += 1
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


@dataclass(frozen=True)
class Canary:
    form: str
    place: str
    planted: str
    """The credential exactly as planted (what the place holds)."""
    secret: str
    """The part that must never be shown, whole or as any 8-character fragment."""
    kind: str
    name: str
    namespace: str
    field: str = ""
    """A `fields` projection that selects the place (empty for events and logs)."""


# (form, builder: body seed -> (planted text, secret)). Each builder makes one credential in free text.
TextForm = tuple[str, Callable[[str], tuple[str, str]]]


def _plain(prefix: str, length: int, alphabet: str = _ALNUM, suffix: str = "") -> Callable[[str], tuple[str, str]]:
    def build(seed: str) -> tuple[str, str]:
        body = _body(seed, length, alphabet)
        return f"{prefix}{body}{suffix}", body
    return build


def _template(text: str, length: int = 24, alphabet: str = _ALNUM) -> Callable[[str], tuple[str, str]]:
    def build(seed: str) -> tuple[str, str]:
        body = _body(seed, length, alphabet)
        return text.replace("{}", body), body
    return build


def _pem(label: str) -> Callable[[str], tuple[str, str]]:
    def build(seed: str) -> tuple[str, str]:
        body = _body(seed, 64, _B64)
        return f"-----BEGIN {label}-----\n{body}\n{body[::-1]}\n-----END {label}-----", body
    return build


def _base64_pem(seed: str) -> tuple[str, str]:
    body = _body(seed, 64, _B64)
    encoded = base64.b64encode(
        f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n".encode()).decode()
    return encoded, encoded[48:-48]


def _jwt(seed: str) -> tuple[str, str]:
    body = _body(seed, 40, _ALNUM + "-_")
    return f"eyJhbGciOiJIUzI1NiJ9.{body[:24]}.{body[24:]}", f"{body[:24]}.{body[24:]}"


def _docker_auth(seed: str) -> tuple[str, str]:
    body = base64.b64encode(f"robot:{_body(seed, 24)}".encode()).decode()
    return '{"auths":{"registry.acme.io":{"auth":"' + body + '"}}}', body


TEXT_FORMS: tuple[TextForm, ...] = (
    ("URL user:password", _template("https://deploy-bot:{}@git.acme.io/fleet.git")),
    ("URL token as user", _template("https://{}@github.com/acme/fleet.git", 40)),
    ("GitLab private_token query", _template("https://gitlab.acme.io/api/v4/projects?private_token={}")),
    ("auth_token query", _template("https://charts.acme.io/index.yaml?user=ci&auth_token={}")),
    ("access_token query", _template("https://api.acme.io/v1/hooks?access_token={}")),
    ("Azure SAS sig", _template("https://acme.blob.core.windows.net/charts?sv=2024-01-01&sr=c&sig={}%3D")),
    ("Azure AccountKey", _template(
        "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={}==;EndpointSuffix=core.windows.net", 40)),
    ("Azure SharedAccessKey", _template(
        "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey={}=", 40)),
    ("docker config auth", _docker_auth),
    ("PEM RSA private key", _pem("RSA PRIVATE KEY")),
    ("PEM OpenSSH private key", _pem("OPENSSH PRIVATE KEY")),
    ("PEM PKCS#8 private key", _pem("PRIVATE KEY")),
    ("PGP private key block", _pem("PGP PRIVATE KEY BLOCK")),
    ("age secret key", _plain("AGE-SECRET-KEY-1", 58, _BECH32)),
    ("base64 PEM", _base64_pem),
    ("AWS access key id", _plain("AKIA", 16, _UPPER)),
    ("AWS STS key id", _plain("ASIA", 16, _UPPER)),
    ("GitHub PAT", _plain("ghp_", 36)),
    ("GitHub fine-grained PAT", _plain("github_pat_", 60, _ALNUM + "_")),
    ("GitLab PAT", _plain("glpat-", 20)),
    ("GitLab feed token", _plain("glft-", 20)),
    ("GitLab deploy token", _plain("gldt-", 20)),
    ("Slack bot token", _plain("xoxb-", 40)),
    ("Slack app token", _plain("xapp-1-", 40)),
    ("npm token", _plain("npm_", 36)),
    ("Vault token", _plain("hvs.", 40)),
    ("Stripe live key", _plain("sk_live_", 32)),
    ("Google API key", _plain("AIza", 35, _ALNUM + "-_")),
    ("JWT", _jwt),
    ("password='single quoted'", _template("password='{}'", 20)),
    ("password=\"with spaces\"", _template('password="{} horse battery"', 20)),
    ("--password X", _template("helm registry login --username ci --password {} ghcr.io", 20)),
    ("Bearer: X", _template("Authorization: Bearer: {}", 32)),
    ("Authorization: Basic X", _template("Authorization: Basic {}", 32)),
    ("Slack webhook URL", _template("https://hooks.slack.com/services/T0VAULT/B0VAULT/{}", 24)),
    ("Discord webhook URL", _template("https://discord.com/api/webhooks/1234567890/{}", 40)),
    ("Teams webhook URL", _template("https://acme.webhook.office.com/webhookb2/{}@tenant/IncomingWebhook/x/y", 32)),
)

# Structural forms: (form, key or name, value length).
CONFIGMAP_KEYS: tuple[str, ...] = (
    "DB_PASSWORD", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "postgresPassword", "api-key", "client_secret",
    "connectionString", "dsn", "redis.auth", "webhook_url",
)
HELM_VALUES: tuple[tuple[str, ...], ...] = (
    ("auth", "password"), ("postgresql", "auth", "postgresPassword"), ("s3", "secretKey"),
    ("oidc", "clientSecret"), ("smtp", "pass"),
)
SUBSTITUTE_KEYS: tuple[str, ...] = ("DB_PASSWORD", "API_TOKEN", "slack_webhook")
ENV_NAMES: tuple[str, ...] = ("DB_PASSWORD", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY")


def _secret_manifest(name: str, key: str, value: str) -> Obj:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": NAMESPACE},
            "type": "Opaque", "stringData": {key: value}}


def corpus(operator: bool = True) -> list[Canary]:
    """Every canary the fleet holds (the same values on every run), without starting a sandbox."""
    from flux_mcp.sandbox.fleet import Clock, Fleet

    fleet = Fleet()
    if operator:
        fleet.add({"kind": "FluxInstance", "metadata": {"name": "flux", "namespace": "flux-system"}, "spec": {}})
    return plant_canaries(fleet, Clock(datetime.now(UTC)))


def plant_canaries(fleet: Fleet, clock: Clock) -> list[Canary]:
    """Add the corpus to `fleet`; returns every canary planted."""
    from flux_mcp.sandbox.fleet import (
        HELM_V2,
        KS_V1,
        NOTIF_V1,
        NOTIF_V1B3,
        OP_V1,
        deployment_set,
        event,
        flux_meta,
        meta,
        namespace,
        ready_conditions,
        set_uid,
    )

    canaries: list[Canary] = []
    created = clock.ago(60 * 24 * 5)
    fleet.add(namespace(NAMESPACE, created))

    def structural(form: str, kind: str, name: str, field: str, length: int = 24) -> str:
        secret = _body(f"{form}/{kind}/{field}", length)
        canaries.append(Canary(form, f"{kind} {field}", secret, secret, kind, name, NAMESPACE, field))
        return secret

    # Free-text forms in three places each: a ConfigMap file, a Warning event, a container log line.
    notes: list[str] = []
    texts: list[tuple[str, str, str]] = []
    for form, build in TEXT_FORMS:
        for place in ("ConfigMap file", "event message", "container log"):
            planted, secret = build(f"{form}/{place}")
            kind, field = {"ConfigMap file": ("ConfigMap", f".data['{NOTES_KEY}']"),
                           "event message": ("Event", ""), "container log": ("Pod", "")}[place]
            name = SETTINGS if kind != "Pod" else APP
            canaries.append(Canary(form, place, planted, secret, kind, name, NAMESPACE, field))
            texts.append((form, place, planted))
            if place == "ConfigMap file":
                notes.append(f"# {form}\n{planted}")

    data = {key: structural(f"ConfigMap key {key}", "ConfigMap", SETTINGS, f".data['{key}']")
            for key in CONFIGMAP_KEYS}
    data[NOTES_KEY] = "\n".join(notes)
    manifest_secret = structural("Secret manifest in a ConfigMap value", "ConfigMap", SETTINGS,
                                 ".data['secret.yaml']")
    data["secret.yaml"] = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: team-vault\ntype: Opaque\n"
        f"stringData:\n  password: {manifest_secret}\n"
    )
    original = structural("Secret manifest in an annotation", "ConfigMap", SETTINGS,
                          ".metadata.annotations['kapp.k14s.io/original']")
    settings = set_uid({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": meta(SETTINGS, NAMESPACE, created=created, annotations={
            "kapp.k14s.io/original": json.dumps(_secret_manifest("kapp-db", "token", original))}),
        "data": data,
    })
    fleet.add(settings)

    # Stored base64-encoded, as the API holds it: the checker looks for the encoded form too.
    secret_data = structural("Secret data", "Secret", "vault-credentials", ".data.password")
    fleet.add({"apiVersion": "v1", "kind": "Secret", "metadata": meta("vault-credentials", NAMESPACE, created=created),
               "type": "Opaque", "data": {"password": base64.b64encode(secret_data.encode()).decode()}})


    # A workload whose env, args and logs carry credentials.
    objs, pods = deployment_set(clock, APP, NAMESPACE, "ghcr.io/acme/vault-app:1.4.2", {"app.kubernetes.io/name": APP},
                                container="app", pod_suffixes=("v4ult",), created_minutes=60 * 24 * 5, sa="default")
    env = [{"name": "LOG_LEVEL", "value": "info"}]
    env += [{"name": n, "value": structural(f"container env {n}", "Deployment", APP,
                                            ".spec.template.spec.containers[0].env")} for n in ENV_NAMES]
    args = ["serve", "--token", structural("container args --token X", "Deployment", APP,
                                           ".spec.template.spec.containers[0].args")]
    for obj in objs:
        spec = obj["spec"] if obj["kind"] == "Pod" else obj["spec"]["template"]["spec"]
        spec["containers"][0]["env"] = env
        spec["containers"][0]["args"] = args
    fleet.add(*objs)
    for i, (form, _, planted) in enumerate(t for t in texts if t[1] == "container log"):
        at = clock.at(30 - i * 0.25)
        fleet.log((NAMESPACE, pods[0], "app", False), at,
                  f"level=warn msg=\"upstream call failed\" detail=\"{form}\" request={planted}")
    for i, (form, _, planted) in enumerate(t for t in texts if t[1] == "event message"):
        fleet.add(event(clock, settings, "Warning", "ConfigInvalid", f"{form} rejected: {planted}", "vault-app",
                        20 - i * 0.25))

    # Flux objects: HelmRelease values, Kustomization postBuild.substitute, Provider address/proxy,
    # Receiver webhook path, ResourceSet embedded Secret; healthy, so no scenario changes.
    values: Obj = {"replicaCount": 2}
    for path in HELM_VALUES:
        node = values
        for step in path[:-1]:
            node = node.setdefault(step, {})
        node[path[-1]] = structural(f"HelmRelease values {'.'.join(path)}", "HelmRelease", APP,
                                    ".spec.values." + ".".join(path))
    values["extraEnv"] = [{"name": "SENTRY_DSN", "value": structural(
        "HelmRelease values extraEnv entry", "HelmRelease", APP, ".spec.values.extraEnv")}]
    fleet.add(set_uid({
        "apiVersion": HELM_V2, "kind": "HelmRelease", "metadata": flux_meta(clock, APP, NAMESPACE),
        "spec": {"interval": "10m", "releaseName": APP, "values": values,
                 "chart": {"spec": {"chart": "podinfo", "version": "6.x",
                                    "sourceRef": {"kind": "HelmRepository", "name": "podinfo",
                                                  "namespace": "podinfo"}}}},
        "status": {"observedGeneration": 1, "conditions": ready_conditions(
            "UpgradeSucceeded", f"Helm upgrade succeeded for release {NAMESPACE}/{APP}.v3 with chart podinfo@6.9.2",
            clock.ago(60 * 24))},
    }))
    substitute = {k: structural(f"Kustomization postBuild.substitute {k}", "Kustomization", "vault",
                                f".spec.postBuild.substitute.{k}") for k in SUBSTITUTE_KEYS}
    fleet.add(set_uid({
        "apiVersion": KS_V1, "kind": "Kustomization", "metadata": flux_meta(clock, "vault", NAMESPACE),
        "spec": {"interval": "10m", "path": "./apps/vault", "prune": True,
                 "sourceRef": {"kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"},
                 "postBuild": {"substitute": {"cluster_env": "production", **substitute}}},
        "status": {"observedGeneration": 1, "conditions": ready_conditions(
            "ReconciliationSucceeded", "Applied revision: main@sha1:4f2a", clock.ago(60 * 24))},
    }))
    address = structural("Provider address (Discord webhook path)", "Provider", "vault-discord", ".spec.address")
    proxy = structural("Provider proxy URL userinfo", "Provider", "vault-discord", ".spec.proxy")
    fleet.add(set_uid({
        "apiVersion": NOTIF_V1B3, "kind": "Provider", "metadata": meta("vault-discord", NAMESPACE, created=created),
        "spec": {"type": "discord", "address": f"https://discord.com/api/webhooks/987654321/{address}",
                 "proxy": f"http://proxy-user:{proxy}@proxy.acme.internal:3128"},
    }))
    hook = _body("Receiver status.webhookPath", 64, "0123456789abcdef")
    for place, field in (("Receiver .status.webhookPath", ".status.webhookPath"),
                         ("Receiver Ready message", ".status.conditions")):
        canaries.append(Canary("Receiver webhook path", place, f"/hook/{hook}", hook, "Receiver", "vault-receiver",
                               NAMESPACE, field))
    fleet.add(set_uid({
        "apiVersion": NOTIF_V1, "kind": "Receiver", "metadata": flux_meta(clock, "vault-receiver", NAMESPACE),
        "spec": {"type": "generic", "interval": "10m", "secretRef": {"name": "vault-credentials"},
                 "resources": [{"apiVersion": KS_V1, "kind": "Kustomization", "name": "vault"}]},
        "status": {"observedGeneration": 1, "webhookPath": f"/hook/{hook}",
                   "conditions": ready_conditions("Succeeded", f"Receiver initialized for path: /hook/{hook}",
                                                  clock.ago(60 * 24))},
    }))
    if any(o.get("kind") == "FluxInstance" for o in fleet.objects):
        embedded = structural("Secret in ResourceSet spec.resources", "ResourceSet", "vault-tenants",
                              ".spec.resources")
        fleet.add(set_uid({
            "apiVersion": OP_V1, "kind": "ResourceSet", "metadata": flux_meta(clock, "vault-tenants", NAMESPACE),
            "spec": {"inputs": [{"tenant": "vault"}],
                     "resources": [_secret_manifest("<< inputs.tenant >>-db", "password", embedded)]},
            "status": {"conditions": ready_conditions("ReconciliationSucceeded", "Reconciliation finished in 1s",
                                                      clock.ago(60 * 24))},
        }))
        instance = next(o for o in fleet.objects if o.get("kind") == "FluxInstance")
        patch_token = _body("FluxInstance kustomize patch env", 24)
        patch_secret = _body("FluxInstance kustomize patch of a Secret", 24)
        instance["spec"]["kustomize"] = {"patches": [
            {"target": {"kind": "Deployment", "name": "source-controller"},
             "patch": "- op: add\n  path: /spec/template/spec/containers/0/env/-\n"
                      f"  value:\n    name: GITHUB_TOKEN\n    value: {patch_token}\n"},
            {"target": {"kind": "Secret", "name": "flux-system"},
             "patch": f"- op: add\n  path: /stringData/password\n  value: {patch_secret}\n"},
        ]}
        for form, secret in (("FluxInstance kustomize patch (env token)", patch_token),
                             ("FluxInstance kustomize patch of a Secret", patch_secret)):
            canaries.append(Canary(form, "FluxInstance .spec.kustomize.patches", secret, secret, "FluxInstance",
                                   "flux", "flux-system", ".spec.kustomize.patches"))
    return canaries
