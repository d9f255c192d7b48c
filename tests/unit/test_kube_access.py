"""Cluster access: kubeconfig files merged like kubectl, contexts, in-cluster mode, clear failures."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from flux_mcp.kube.access import IN_CLUSTER_CONTEXT, KubeAccess, merge_kubeconfigs
from flux_mcp.kube.errors import ConfigProblem
from flux_mcp.settings import Settings

TOKEN = "kubeconfig-token-never-shown-0123456789"


def kubeconfig(
    contexts: dict[str, tuple[str, str]], current: str | None = None, server: str = "https://one.example:6443",
    namespace: str | None = "flux-system", cluster_extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A kubeconfig with `contexts` as name → (cluster, user)."""
    clusters = {cluster for cluster, _ in contexts.values()}
    users = {user for _, user in contexts.values()}
    document: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": c, "cluster": {"server": server, **(cluster_extra or {})}} for c in sorted(clusters)],
        "users": [{"name": u, "user": {"token": TOKEN}} for u in sorted(users)],
        "contexts": [
            {"name": name, "context": {"cluster": cluster, "user": user,
                                       **({"namespace": namespace} if namespace else {})}}
            for name, (cluster, user) in contexts.items()
        ],
    }
    if current:
        document["current-context"] = current
    return document


def write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.fixture(autouse=True)
def no_ambient_cluster(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def test_files_merge_like_kubectl_first_definition_and_current_context_win(tmp_path: Path) -> None:
    first = write(tmp_path / "a.yaml", kubeconfig({"prod": ("prod", "admin")}, current="prod",
                                                  server="https://prod.example"))
    second = write(tmp_path / "b.yaml", kubeconfig(
        {"prod": ("other", "other"), "staging": ("staging", "dev")}, current="staging",
        server="https://staging.example"))

    merged = merge_kubeconfigs([first, second])

    assert merged["current-context"] == "prod"
    assert [c["name"] for c in merged["contexts"]] == ["prod", "staging"]
    assert merged["contexts"][0]["context"]["cluster"] == "prod"
    assert {c["name"]: c["cluster"]["server"] for c in merged["clusters"]} == {
        "prod": "https://prod.example", "other": "https://staging.example", "staging": "https://staging.example"}


def test_relative_certificate_paths_stay_relative_to_their_own_file(tmp_path: Path) -> None:
    (tmp_path / "team").mkdir()
    path = write(tmp_path / "team" / "config", kubeconfig({"c": ("c", "u")}, current="c",
                                                           cluster_extra={"certificate-authority": "ca.crt"}))

    merged = merge_kubeconfigs([tmp_path / "missing", path])

    assert merged["clusters"][0]["cluster"]["certificate-authority"] == str((tmp_path / "team" / "ca.crt").resolve())


def test_contexts_list_names_never_credentials(tmp_path: Path) -> None:
    first = write(tmp_path / "a.yaml", kubeconfig({"prod": ("prod", "admin")}, current="prod"))
    second = write(tmp_path / "b.yaml", kubeconfig({"staging": ("staging", "dev")}, namespace=None))
    access = KubeAccess(Settings(kubeconfig=f"{first}{os.pathsep}{second}"))

    contexts = access.contexts()

    assert [(c.name, c.cluster, c.user, c.namespace, c.current) for c in contexts] == [
        ("prod", "prod", "admin", "flux-system", True), ("staging", "staging", "dev", "default", False)]
    assert TOKEN not in repr(contexts)


def test_settings_context_overrides_current_context(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yaml", kubeconfig({"a": ("a", "u"), "b": ("b", "u")}, current="a"))

    assert KubeAccess(Settings(kubeconfig=str(path), context="b")).current_context == "b"


def test_switching_context_is_in_memory_and_checked(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yaml", kubeconfig({"a": ("a", "u"), "b": ("b", "u")}, current="a"))
    before = path.read_text()
    access = KubeAccess(Settings(kubeconfig=str(path)))

    access.set_current_context("b")

    assert access.current_context == "b"
    assert path.read_text() == before
    with pytest.raises(ConfigProblem, match="unknown kubeconfig context 'c'; known contexts: a, b"):
        access.set_current_context("c")


async def test_one_gateway_per_context_built_lazily_and_cached(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yaml", kubeconfig({"a": ("a", "u"), "b": ("b", "u")}, current="a"))
    access = KubeAccess(Settings(kubeconfig=str(path)))

    default = await access.gateway()
    again = await access.gateway("a")
    other = await access.gateway("b")

    assert default is again and other is not default
    assert (default.context, other.context) == ("a", "b")
    assert default.server == "https://one.example:6443"
    await access.close()


async def test_an_unknown_context_argument_lists_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yaml", kubeconfig({"a": ("a", "u")}, current="a"))

    with pytest.raises(ConfigProblem, match="known contexts: a"):
        await KubeAccess(Settings(kubeconfig=str(path))).gateway("nope")


async def test_a_missing_kubeconfig_is_a_clear_error_on_first_use_not_at_construction(tmp_path: Path) -> None:
    access = KubeAccess(Settings(kubeconfig=str(tmp_path / "absent.yaml")))

    with pytest.raises(ConfigProblem) as raised:
        await access.gateway()

    assert "cannot load the Kubernetes configuration: no kubeconfig file found" in str(raised.value)
    assert "absent.yaml" in str(raised.value)


async def test_a_broken_kubeconfig_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("clusters: [unclosed")

    with pytest.raises(ConfigProblem, match="cannot read kubeconfig"):
        await KubeAccess(Settings(kubeconfig=str(path))).gateway()


async def test_a_kubeconfig_without_current_context_asks_for_one(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yaml", kubeconfig({"a": ("a", "u")}))

    with pytest.raises(ConfigProblem, match="no current-context"):
        await KubeAccess(Settings(kubeconfig=str(path))).gateway()


async def test_impersonation_headers_are_sent(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yaml", kubeconfig({"a": ("a", "u")}, current="a"))
    access = KubeAccess(Settings(kubeconfig=str(path), kube_as="jane", kube_as_group=("sre", "viewers")))

    gateway = await access.gateway()
    headers = gateway.client._client._client.headers

    assert headers["Impersonate-User"] == "jane"
    assert headers.get_list("Impersonate-Group") == ["sre", "viewers"]
    await access.close()


async def test_explicit_kubeconfig_dict_is_used_as_is() -> None:
    document = kubeconfig({"sandbox": ("sandbox", "sandbox")}, current="sandbox", server="http://127.0.0.1:1")

    access = KubeAccess(Settings(), kubeconfig=document)

    assert access.current_context == "sandbox"
    assert (await access.gateway()).server == "http://127.0.0.1:1"
    await access.close()


def test_in_cluster_config_when_no_kubeconfig_exists(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text("sa-token")
    (account / "namespace").write_text("flux-mcp")
    (account / "ca.crt").write_text("")
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    monkeypatch.setattr("flux_mcp.kube.access.SERVICE_ACCOUNT", str(account))
    access = KubeAccess(Settings(kubeconfig=str(tmp_path / "none")))

    contexts = access.contexts()

    assert [(c.name, c.namespace, c.current) for c in contexts] == [(IN_CLUSTER_CONTEXT, "flux-mcp", True)]
    assert access.in_cluster
    with pytest.raises(ConfigProblem, match="in-cluster"):
        access.set_current_context("other")


async def test_a_yaml_error_next_to_a_private_key_never_quotes_the_key(tmp_path: Path) -> None:
    private_key = "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t"
    path = tmp_path / "broken.yaml"
    path.write_text(f"users:\n- name: u\n  user:\n    client-key-data: {private_key}\n    : [unclosed\n")

    with pytest.raises(ConfigProblem, match="cannot read kubeconfig") as raised:
        await KubeAccess(Settings(kubeconfig=str(path))).gateway()

    assert "line 5" in str(raised.value)
    assert private_key[:12] not in str(raised.value)


def test_home_relative_paths_and_exec_plugins_named_by_path_are_made_absolute(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "team").mkdir()
    document = kubeconfig({"c": ("c", "u")}, current="c", cluster_extra={"certificate-authority": "~/ca.crt"})
    document["users"] = [
        {"name": "u", "user": {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "./bin/auth"}}},
        {"name": "on-path", "user": {"exec": {"apiVersion": "client.authentication.k8s.io/v1",
                                              "command": "gke-gcloud-auth-plugin"}}},
    ]
    path = write(tmp_path / "team" / "config", document)

    merged = merge_kubeconfigs([path])

    assert merged["clusters"][0]["cluster"]["certificate-authority"] == str(tmp_path / "home" / "ca.crt")
    commands = {u["name"]: u["user"]["exec"]["command"] for u in merged["users"]}
    assert commands == {"u": str((tmp_path / "team").resolve() / "bin" / "auth"),
                        "on-path": "gke-gcloud-auth-plugin"}


async def test_impersonating_groups_without_a_user_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yaml", kubeconfig({"a": ("a", "u")}, current="a"))
    access = KubeAccess(Settings(kubeconfig=str(path), kube_as_group=("sre",)))

    with pytest.raises(ConfigProblem, match="--kube-as"):
        await access.gateway()
