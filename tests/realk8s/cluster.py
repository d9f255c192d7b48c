"""A real Kubernetes control plane on loopback: etcd, kube-apiserver and kube-controller-manager.

    with RealCluster(workdir).start() as cluster:
        cluster.kubeconfig            # contexts admin, tenant (namespace-scoped Role), nobody
        cluster.api("admin").get("/version")

TLS with its own CA, token authentication, RBAC, service-account keys, the Flux CRDs from
``../shared/reference/crds`` and kube-controller-manager with the namespace and garbage-collector
controllers only (node lifecycle would evict the pods of nodes that have no kubelet).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.realk8s import binaries
from tests.realk8s.api import ApiClient
from tests.realk8s.pki import Pki, make_pki
from tests.realk8s.processes import Processes, environment, free_port, port_open

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_CRDS = REPO_ROOT.parent / "shared" / "reference" / "crds" / "flux"

TENANT_NAMESPACE = "team-a"
"""The namespace the tenant identity holds a read-only Role in (and its kubeconfig context names)."""


@dataclass(frozen=True)
class Identity:
    name: str
    user: str
    groups: tuple[str, ...]
    namespace: str
    token: str


def _identities() -> dict[str, Identity]:
    def token() -> str:
        return secrets.token_hex(16)

    return {
        "admin": Identity("admin", "realk8s-admin", ("system:masters",), "flux-system", token()),
        # The identity the control-plane components and the Flux controllers use.
        "controllers": Identity("controllers", "realk8s-controllers", ("system:masters",), "flux-system", token()),
        "tenant": Identity("tenant", "realk8s-tenant", ("realk8s:tenants",), TENANT_NAMESPACE, token()),
        "nobody": Identity("nobody", "realk8s-nobody", (), "default", token()),
    }


def _tenant_rbac() -> list[tuple[str, dict[str, Any]]]:
    """A read-only Role in the tenant namespace (every resource there), bound to the tenant user."""
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "tenant-read", "namespace": TENANT_NAMESPACE},
        "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list", "watch"]}],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "tenant-read", "namespace": TENANT_NAMESPACE},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "tenant-read"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "realk8s-tenant"}],
    }
    base = f"/apis/rbac.authorization.k8s.io/v1/namespaces/{TENANT_NAMESPACE}"
    return [(f"{base}/roles", role), (f"{base}/rolebindings", binding)]


_COMPONENTS = {
    "source.toolkit.fluxcd.io": "source-controller", "source.extensions.fluxcd.io": "source-watcher",
    "kustomize.toolkit.fluxcd.io": "kustomize-controller", "helm.toolkit.fluxcd.io": "helm-controller",
    "notification.toolkit.fluxcd.io": "notification-controller",
}
FLUX_VERSION = "v2.9.0"
"""The Flux release whose CRDs ../shared/reference holds (its README)."""


def install_labels(crd: dict[str, Any]) -> dict[str, str]:
    """The labels an install puts on the CRDs (the files in config/crd/bases carry none): `flux install`
    adds part-of/instance/component/version, the flux-operator chart its name."""
    group = crd["spec"]["group"]
    if group == "fluxcd.controlplane.io":
        return {"app.kubernetes.io/name": "flux-operator"}
    plural = crd["spec"]["names"]["plural"]
    component = _COMPONENTS.get(group) or (
        "image-automation-controller" if plural == "imageupdateautomations" else "image-reflector-controller")
    return {"app.kubernetes.io/component": component, "app.kubernetes.io/instance": "flux-system",
            "app.kubernetes.io/part-of": "flux", "app.kubernetes.io/version": FLUX_VERSION}


class RealCluster:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.processes = Processes(workdir / "logs")
        self.identities = _identities()
        self.api_port = 0
        self.pki: Pki | None = None
        self.kubeconfig = workdir / "kubeconfig"
        self.started_in: float = 0.0

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> RealCluster:
        began = time.monotonic()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - began
        return self

    def _start(self) -> None:
        absent = binaries.missing(binaries.CLUSTER_COMPONENTS)
        if absent:
            raise RuntimeError(f"real-cluster binaries missing: {', '.join(absent)}")
        if not REFERENCE_CRDS.is_dir():
            raise RuntimeError(f"the Flux CRDs are missing: {REFERENCE_CRDS}")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.pki = make_pki(self.workdir / "pki")
        self._start_etcd()
        self._start_apiserver()
        self._write_kubeconfig()
        self._start_controller_manager()
        self._load_crds()
        self._create_tenant()

    def stop(self) -> None:
        self.processes.stop_all()

    def __enter__(self) -> RealCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- clients ---------------------------------------------------------------------------------

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.api_port}"

    def api(self, identity: str = "admin") -> ApiClient:
        assert self.pki is not None
        return ApiClient(self.server, self.pki.ca_cert, self.identities[identity].token)

    def kubeconfig_dict(self, identities: list[str] | None = None, current: str = "admin") -> dict[str, Any]:
        assert self.pki is not None
        names = identities or [name for name in self.identities if name != "controllers"]
        return {
            "apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": "realk8s", "cluster": {"server": self.server,
                                                          "certificate-authority": str(self.pki.ca_cert)}}],
            "users": [{"name": name, "user": {"token": self.identities[name].token}} for name in names],
            "contexts": [{"name": name, "context": {"cluster": "realk8s", "user": name,
                                                    "namespace": self.identities[name].namespace}}
                         for name in names],
            "current-context": current,
            "preferences": {},
        }

    def write_kubeconfig(self, path: Path, identities: list[str] | None = None, current: str = "admin") -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(self.kubeconfig_dict(identities, current), sort_keys=False))
        path.chmod(0o600)
        return path

    # --- components ------------------------------------------------------------------------------

    def _start_etcd(self) -> None:
        client, peer = free_port(), free_port()
        self.etcd_url = f"http://127.0.0.1:{client}"
        etcd = binaries.binary_path(binaries.ETCD, "etcd")
        self.processes.start("etcd", [
            str(etcd), "--name=realk8s", f"--data-dir={self.workdir / 'etcd'}",
            f"--listen-client-urls={self.etcd_url}", f"--advertise-client-urls={self.etcd_url}",
            f"--listen-peer-urls=http://127.0.0.1:{peer}", f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
            f"--initial-cluster=realk8s=http://127.0.0.1:{peer}", "--unsafe-no-fsync",
            "--log-level=warn",
        ], env=environment())
        self.processes.wait_until("etcd", lambda: port_open(client), 30)

    def _start_apiserver(self) -> None:
        assert self.pki is not None
        tokens = self.workdir / "tokens.csv"
        tokens.write_text("".join(
            f'{i.token},{i.user},{i.user},"{",".join(i.groups)}"\n' for i in self.identities.values()))
        tokens.chmod(0o600)
        self.api_port = free_port()
        apiserver = binaries.binary_path(binaries.KUBERNETES, "kube-apiserver")
        self.processes.start("kube-apiserver", [
            str(apiserver), f"--etcd-servers={self.etcd_url}",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={self.api_port}",
            f"--cert-dir={self.workdir / 'certs'}",
            f"--tls-cert-file={self.pki.server_cert}", f"--tls-private-key-file={self.pki.server_key}",
            f"--client-ca-file={self.pki.ca_cert}", f"--token-auth-file={tokens}",
            "--authorization-mode=RBAC",
            f"--service-account-key-file={self.pki.sa_pub}",
            f"--service-account-signing-key-file={self.pki.sa_key}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "--service-cluster-ip-range=10.96.0.0/16",
            # Required on loopback ("cannot use public IP 127.0.0.1 with endpoint reconciler").
            "--endpoint-reconciler-type=none",
            # Pods are written as a kubelet would; no ServiceAccount controller creates `default`.
            "--disable-admission-plugins=ServiceAccount",
            "--profiling=false",
        ], env=environment())
        admin = self.api("admin")

        def ready() -> bool:
            try:
                return admin.get("/readyz").ok
            except OSError:
                return False

        self.processes.wait_until("kube-apiserver", ready, 90)

    def _write_kubeconfig(self) -> None:
        self.write_kubeconfig(self.kubeconfig)
        self.controllers_kubeconfig = self.write_kubeconfig(self.workdir / "controllers.kubeconfig",
                                                            ["controllers"], current="controllers")

    def _start_controller_manager(self) -> None:
        assert self.pki is not None
        port = free_port()
        kcm = binaries.binary_path(binaries.KUBERNETES, "kube-controller-manager")
        self.processes.start("kube-controller-manager", [
            str(kcm), f"--kubeconfig={self.controllers_kubeconfig}",
            f"--authentication-kubeconfig={self.controllers_kubeconfig}",
            f"--authorization-kubeconfig={self.controllers_kubeconfig}",
            "--bind-address=127.0.0.1", f"--secure-port={port}", f"--cert-dir={self.workdir / 'kcm-certs'}",
            "--controllers=namespace-controller,garbage-collector-controller",
            "--leader-elect=false", f"--service-account-private-key-file={self.pki.sa_key}",
            f"--root-ca-file={self.pki.ca_cert}",
        ], env=environment())
        self.processes.wait_until("kube-controller-manager", lambda: port_open(port), 60)

    def _load_crds(self) -> None:
        admin = self.api("admin")
        names = []
        for path in sorted(REFERENCE_CRDS.glob("*.yaml")):
            for crd in yaml.safe_load_all(path.read_text()):
                if crd:
                    crd["metadata"].setdefault("labels", {}).update(install_labels(crd))
                    admin.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
                    names.append(crd["metadata"]["name"])

        def established() -> bool:
            for name in names:
                body = admin.get(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}").body
                conditions = body.get("status", {}).get("conditions", [])
                if not any(c["type"] == "Established" and c["status"] == "True" for c in conditions):
                    return False
            return True

        admin.wait_for("the Flux CRDs to be established", established, timeout=60)
        # Discovery of the new groups lags Established by a moment; our tools resolve kinds through it.
        admin.wait_for("discovery of the Flux groups",
                       lambda: admin.get("/apis/kustomize.toolkit.fluxcd.io/v1").ok, timeout=30)
        self.crd_names = names

    def _create_tenant(self) -> None:
        admin = self.api("admin")
        admin.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                             "metadata": {"name": TENANT_NAMESPACE}})
        for collection, obj in _tenant_rbac():
            admin.create(collection, obj)
