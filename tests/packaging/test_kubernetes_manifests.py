"""toolhive/kubernetes: every manifest parses, agrees with the others and with ToolHive's MCPServer CRD,
the ClusterRoles follow the Flux kinds catalogue, and kustomize renders both profiles."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from flux_mcp.flux.kinds import FLUX_KINDS
from tests.packaging.toolhive_generator import gen

REPO = Path(__file__).resolve().parents[2]
KUBE_DIR = REPO / "toolhive" / "kubernetes"
CRD = REPO / ".." / "shared" / "reference" / "crds" / "toolhive" / "toolhive.stacklok.dev_mcpservers.yaml"
KUBECTL = shutil.which("kubectl")




def manifests() -> dict[str, dict[str, Any]]:
    """Every Kubernetes object shipped, keyed by '<Kind>/<name>' (kustomization files excluded)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(KUBE_DIR.rglob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            found[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return found


def obj(key: str) -> dict[str, Any]:
    return manifests()[key]


def rules(role: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = obj(f"ClusterRole/{role}")["rules"]
    return found


def grants(rule_list: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {
        (group, resource, verb)
        for rule in rule_list
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def render(directory: Path) -> dict[str, dict[str, Any]]:
    assert KUBECTL is not None
    out = subprocess.run(
        [KUBECTL, "kustomize", str(directory)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in yaml.safe_load_all(out) if d}


# --- every file ---------------------------------------------------------------------------------


def test_every_manifest_parses_and_is_namespace_agnostic() -> None:
    objects = manifests()
    assert set(objects) == {
        "ServiceAccount/fluxcd-mcp",
        "ClusterRole/fluxcd-mcp-read",
        "ClusterRole/fluxcd-mcp-operate",
        "ClusterRole/fluxcd-mcp-apply",
        "ClusterRoleBinding/fluxcd-mcp-read",
        "ClusterRoleBinding/fluxcd-mcp-operate",
        "MCPServer/fluxcd-mcp",
        "NetworkPolicy/fluxcd-mcp",
        "HTTPRoute/fluxcd-mcp",
    }
    for key, doc in objects.items():
        assert doc["apiVersion"] and "namespace" not in doc["metadata"], key


def test_kustomization_lists_every_file_of_the_base_and_the_operate_component() -> None:
    base = yaml.safe_load((KUBE_DIR / "kustomization.yaml").read_text())
    files = sorted(p.name for p in KUBE_DIR.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(base["resources"]) == files
    assert base["namespace"] == "toolhive-system"
    component = yaml.safe_load((KUBE_DIR / "operate" / "kustomization.yaml").read_text())
    assert component["kind"] == "Component"
    assert component["resources"] == ["clusterrolebinding-operate.yaml"]


def test_bindings_give_the_service_account_read_by_default_and_never_apply() -> None:
    sa = obj("ServiceAccount/fluxcd-mcp")["metadata"]["name"]
    read, operate = obj("ClusterRoleBinding/fluxcd-mcp-read"), obj("ClusterRoleBinding/fluxcd-mcp-operate")
    assert read["roleRef"]["name"] == "fluxcd-mcp-read" and operate["roleRef"]["name"] == "fluxcd-mcp-operate"
    for binding in (read, operate):
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": sa}]  # namespace from kustomize
    assert all(doc.get("roleRef", {}).get("name") != "fluxcd-mcp-apply" for doc in manifests().values())


# --- MCPServer ----------------------------------------------------------------------------------


def test_mcpserver_runs_our_image_over_stdio_read_only_with_its_service_account() -> None:
    spec = obj("MCPServer/fluxcd-mcp")["spec"]
    assert obj("MCPServer/fluxcd-mcp")["apiVersion"] == "toolhive.stacklok.dev/v1beta1"
    assert spec["image"] == gen.image_ref()
    assert spec["transport"] == "stdio" and spec["proxyMode"] == "streamable-http"
    assert spec["serviceAccount"] == obj("ServiceAccount/fluxcd-mcp")["metadata"]["name"]
    assert spec["args"] == ["--read-only"]
    assert spec["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "512Mi"},
    }


def test_mcp_container_gets_an_empty_dir_at_tmp_for_its_read_only_root() -> None:
    pod = obj("MCPServer/fluxcd-mcp")["spec"]["podTemplateSpec"]["spec"]
    (container,) = pod["containers"]
    assert container["name"] == "mcp"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["securityContext"]["runAsUser"] == 1000 and pod["securityContext"]["runAsNonRoot"] is True
    (mount,) = container["volumeMounts"]
    assert mount["mountPath"] == "/tmp"
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    assert "emptyDir" in volume


def strict(schema: Any) -> Any:
    """The CRD schema with unknown fields rejected (the API server would silently prune them)."""
    if isinstance(schema, dict):
        schema = {k: strict(v) for k, v in schema.items()}
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
    elif isinstance(schema, list):
        schema = [strict(v) for v in schema]
    return schema


def mcpserver_schema() -> dict[str, Any]:
    if not CRD.is_file():
        pytest.skip(f"MCPServer CRD not present at {CRD}")
    crd = yaml.safe_load(CRD.read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1beta1"]
    assert version["served"] and version["storage"]
    schema: dict[str, Any] = strict(version["schema"]["openAPIV3Schema"])
    return schema


def test_mcpserver_validates_against_the_crd_v1beta1_schema() -> None:
    errors = [e.message for e in Draft7Validator(mcpserver_schema()).iter_errors(obj("MCPServer/fluxcd-mcp"))]
    assert errors == []


def test_crd_validation_catches_a_misspelt_field() -> None:
    broken = copy.deepcopy(obj("MCPServer/fluxcd-mcp"))
    broken["spec"]["serviceaccount"] = broken["spec"].pop("serviceAccount")
    broken["spec"]["transport"] = "websocket"
    assert len(list(Draft7Validator(mcpserver_schema()).iter_errors(broken))) == 2


# --- network ------------------------------------------------------------------------------------


def test_network_policy_allows_dns_and_the_api_server_out_and_only_the_gateway_in() -> None:
    policy = obj("NetworkPolicy/fluxcd-mcp")["spec"]
    route = obj("HTTPRoute/fluxcd-mcp")["spec"]
    proxy_port = obj("MCPServer/fluxcd-mcp")["spec"]["proxyPort"]
    assert policy["podSelector"] == {"matchLabels": {"toolhive-name": "fluxcd-mcp"}}
    assert sorted(policy["policyTypes"]) == ["Egress", "Ingress"]
    (ingress,) = policy["ingress"]
    (source,) = ingress["from"]
    gateway_namespace = route["parentRefs"][0]["namespace"]
    assert source == {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": gateway_namespace}}}
    assert ingress["ports"] == [{"protocol": "TCP", "port": proxy_port}]
    dns, api = policy["egress"]
    assert {p["port"] for p in dns["ports"]} == {53}
    assert dns["to"][0]["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
    assert "to" not in api and [p["port"] for p in api["ports"]] == list(gen.API_SERVER_PORTS)


def test_http_route_exposes_the_toolhive_proxy_under_flux() -> None:
    (rule,) = obj("HTTPRoute/fluxcd-mcp")["spec"]["rules"]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/flux"}}]
    (rewrite,) = rule["filters"]
    assert rewrite["urlRewrite"]["path"] == {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}
    server = obj("MCPServer/fluxcd-mcp")
    assert rule["backendRefs"] == [
        {"name": f"mcp-{server['metadata']['name']}-proxy", "port": server["spec"]["proxyPort"]}
    ]


# --- ClusterRoles vs the Flux kinds catalogue ------------------------------------------------------


def flux_resources(rule_list: list[dict[str, Any]], verb: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for group, resource, v in grants(rule_list):
        if v == verb and group in {k.group for k in FLUX_KINDS}:
            found[group].add(resource)
    return dict(found)


def catalogue(reconcilable_only: bool) -> dict[str, set[str]]:
    expected: dict[str, set[str]] = defaultdict(set)
    for kind in FLUX_KINDS:
        if kind.reconcilable or not reconcilable_only:
            expected[kind.group].add(kind.plural)
    return dict(expected)


def test_read_role_reads_every_flux_kind_and_never_writes_or_reads_secrets() -> None:
    read = rules("fluxcd-mcp-read")
    assert flux_resources(read, "get") == flux_resources(read, "list") == catalogue(reconcilable_only=False)
    assert {v for _, _, v in grants(read)} == {"get", "list"}
    assert not {(g, r) for g, r, _ in grants(read) if r in ("secrets", "*") or g == "*"}


def test_operate_role_is_read_plus_patch_on_reconcilable_flux_kinds_only() -> None:
    read, operate = grants(rules("fluxcd-mcp-read")), grants(rules("fluxcd-mcp-operate"))
    assert read <= operate
    extra = operate - read
    assert {v for _, _, v in extra} == {"patch"}
    assert flux_resources(rules("fluxcd-mcp-operate"), "patch") == catalogue(reconcilable_only=True)
    assert rules("fluxcd-mcp-read") == rules("fluxcd-mcp-operate")[: len(rules("fluxcd-mcp-read"))]


def test_apply_role_is_the_unbounded_optional_writer() -> None:
    assert grants(rules("fluxcd-mcp-apply")) == {("*", "*", v) for v in ("get", "list", "create", "patch", "delete")}


def rule_comments(path: Path) -> list[str]:
    """The comment line right above each `- apiGroups:` rule."""
    lines = path.read_text().splitlines()
    comments = []
    for i, line in enumerate(lines):
        if line.strip().startswith("- apiGroups:"):
            above = lines[i - 1].strip()
            comments.append(above if above.startswith("#") else "")
    return comments


async def test_every_rule_has_a_comment_naming_only_real_tools() -> None:
    names, _ = await gen.list_tools()
    tool_like = re.compile(
        r"\b(?:get|set|trace|analyze|explain|diff|reconcile|suspend|resume|apply|patch|delete)_[a-z_]+"
    )
    for path in sorted(KUBE_DIR.glob("clusterrole-*.yaml")):
        for comment in rule_comments(path):
            mentioned = set(tool_like.findall(comment))
            assert mentioned, f"{path.name}: a rule without a comment naming the tool that needs it"
            unknown = mentioned - set(names)
            assert not unknown, f"{path.name}: {sorted(unknown)} are not tools of the server"


# --- kustomize ------------------------------------------------------------------------------------

needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl not installed")


@needs_kubectl
def test_kustomize_renders_the_read_only_profile_into_the_toolhive_namespace() -> None:
    rendered = render(KUBE_DIR)
    assert set(rendered) == set(manifests()) - {"ClusterRoleBinding/fluxcd-mcp-operate"}
    for kind in ("ServiceAccount", "MCPServer", "NetworkPolicy", "HTTPRoute"):
        assert rendered[f"{kind}/fluxcd-mcp"]["metadata"]["namespace"] == "toolhive-system"
    (subject,) = rendered["ClusterRoleBinding/fluxcd-mcp-read"]["subjects"]
    assert subject["namespace"] == "toolhive-system"
    assert rendered["MCPServer/fluxcd-mcp"]["spec"]["args"] == ["--read-only"]


@needs_kubectl
def test_an_overlay_moves_everything_and_the_operate_component_enables_writes(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    base = os.path.relpath(KUBE_DIR, overlay)
    (overlay / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: flux-tools\n"
        f"resources: [{base}]\ncomponents: [{base}/operate]\n"
    )
    rendered = render(overlay)
    for key in ("ClusterRoleBinding/fluxcd-mcp-read", "ClusterRoleBinding/fluxcd-mcp-operate"):
        assert rendered[key]["subjects"][0]["namespace"] == "flux-tools"
    assert rendered["MCPServer/fluxcd-mcp"]["metadata"]["namespace"] == "flux-tools"
    assert "--read-only" not in rendered["MCPServer/fluxcd-mcp"]["spec"].get("args", [])
