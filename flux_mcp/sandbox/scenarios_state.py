"""Scenarios of the one Flux state model (issue 12): the classes of state that misled on real clusters.

Each block is one class, in its own namespace, built with the fleet's builders:

reports    HelmRepository `charts`, HelmRelease `reporting` suspended before helm-controller ever
           generated its HelmChart (no HelmChart object, no status).
docs       GitRepository `docs` whose artifact moved on 40 minutes ago; Kustomizations `site` and
           `search` are Ready at the previous revision (drift).
monitoring Provider `pagerduty` whose deliveries fail with 401 (Warning events), Alert `critical`.
platform   Kustomization `shop-apps` (Ready, no health checks) applying into namespace `shop`,
shop       where its Deployment `cart` crash-loops (no Flux object lives in `shop`).
payments   HelmRepository `charts`, HelmChart, HelmRelease `gateway` failing its install with
           "context deadline exceeded" while its pods crash-loop; the crashed (previous)
           container left no logs, the current one did.
catalog    Kustomization `catalog` as kustomize-controller v1.9.6 writes a dry run that fails and
           is retried: Ready=False ReconciliationFailed with Reconciling=True ProgressingWithRetry
           and status.observedGeneration -1 (never succeeded).
"""

from __future__ import annotations

from flux_mcp.sandbox.fleet import (
    NOTIF_V1B3,
    Clock,
    Failure,
    Fleet,
    condition,
    deployment_set,
    event,
    flux_system_revision,
    git_repository,
    git_revision,
    helm_chart,
    helm_release,
    helm_repository,
    inventory_entry,
    kustomization,
    kustomize_labels,
    meta,
    namespace,
    release_snapshot,
    secret,
    set_uid,
)

NAMESPACES = ("reports", "docs", "monitoring", "platform", "shop", "payments", "catalog")


def add_state_scenarios(fleet: Fleet, clock: Clock) -> None:
    """Add every state-model scenario to `fleet` (names are listed in the module docstring)."""
    for ns in NAMESPACES:
        fleet.add(namespace(ns, clock.ago(60 * 24 * 30)))
    _suspended_release_never_generated(fleet, clock)
    _drift(fleet, clock)
    _failing_provider(fleet, clock)
    _workloads_managed_from_elsewhere(fleet, clock)
    _install_timeout_with_crashing_pods(fleet, clock)
    _failure_retried_never_succeeded(fleet, clock)


def _suspended_release_never_generated(fleet: Fleet, clock: Clock) -> None:
    ns = "reports"
    fleet.add(helm_repository(clock, "charts", ns, "https://charts.example.org/reports"))
    release = helm_release(
        clock, "reporting", ns, "charts", ns, "reporting", "2.x", "2.0.1",
        [release_snapshot(clock, "reporting", ns, 1, "reporting", "2.0.1", "2.0.1", "deployed", 60)],
    )
    release["spec"]["suspend"] = True
    release["status"] = {}  # suspended before helm-controller's first reconcile: no chart, no status
    fleet.add(release)


def _drift(fleet: Fleet, clock: Clock) -> None:
    ns = "docs"
    old, new = git_revision("docs/docs/previous"), git_revision("docs/docs")
    repo = git_repository(clock, "docs", ns, "https://git.example.org/docs.git", revision=new)
    repo["status"]["artifact"]["lastUpdateTime"] = clock.ago(40)
    fleet.add(repo)
    for name in ("site", "search"):
        fleet.add(kustomization(clock, name, ns, ("GitRepository", "docs", None), f"./{name}", old, inventory=[]))


def _failing_provider(fleet: Fleet, clock: Clock) -> None:
    ns = "monitoring"
    fleet.add(secret("pagerduty-token", ns, {"token": "routing-key-placeholder"}, clock.ago(60 * 24 * 10)))
    provider = set_uid({
        "apiVersion": NOTIF_V1B3, "kind": "Provider",
        "metadata": meta("pagerduty", ns, created=clock.ago(60 * 24 * 10)),
        "spec": {"type": "pagerduty", "address": "https://events.pagerduty.com",
                 "secretRef": {"name": "pagerduty-token"}},
    })
    alert = set_uid({
        "apiVersion": NOTIF_V1B3, "kind": "Alert",
        "metadata": meta("critical", ns, created=clock.ago(60 * 24 * 10)),
        "spec": {"providerRef": {"name": "pagerduty"}, "eventSeverity": "error",
                 "eventSources": [{"kind": "Kustomization", "name": "*", "namespace": "*"}]},
    })
    fleet.add(provider, alert)
    fleet.add(event(clock, provider, "Warning", "NotificationFailed",
                    "failed to send notification to https://events.pagerduty.com/v2/enqueue: "
                    "POST failed with status 401 Unauthorized", "notification-controller", 3,
                    count=14, first_minutes_ago=90))


def _workloads_managed_from_elsewhere(fleet: Fleet, clock: Clock) -> None:
    ns, target = "platform", "shop"
    labels = kustomize_labels("shop-apps", ns)
    objs, pods = deployment_set(clock, "cart", target, "ghcr.io/example/cart:1.8.0", labels, replicas=1,
                                container="cart", pod_suffixes=("m4v7q",), crash=True, created_minutes=90,
                                sa="default")
    fleet.add(*objs)
    fleet.add(kustomization(
        clock, "shop-apps", ns, ("GitRepository", "flux-system", "flux-system"), "./apps/shop",
        flux_system_revision(), target_namespace=target,
        inventory=[inventory_entry(target, "cart", "apps", "Deployment", "v1")],
    ))
    for previous, base in ((True, 6.0), (False, 1.0)):
        for n, text in enumerate(("starting cart service on :8080",
                                  "level=error msg=\"cannot reach redis at redis.shop.svc:6379\"",
                                  "fatal: exiting after 3 connection attempts")):
            fleet.log((target, pods[0], "cart", previous), clock.at(base - n / 600), text)


def _install_timeout_with_crashing_pods(fleet: Fleet, clock: Clock) -> None:
    ns = "payments"
    failure = Failure("InstallFailed", f"Helm install failed for release {ns}/gateway with chart gateway@3.2.0: "
                      "context deadline exceeded")
    fleet.failures[("HelmRelease", ns, "gateway")] = failure
    fleet.add(helm_repository(clock, "charts", ns, "https://charts.example.org/payments"))
    fleet.add(helm_chart(clock, "gateway", ns, "charts", ns, "gateway", "3.x", "3.2.0"))
    release = helm_release(
        clock, "gateway", ns, "charts", ns, "gateway", "3.x", "3.2.0",
        [release_snapshot(clock, "gateway", ns, 1, "gateway", "3.2.0", "3.2.0", "failed", 20, "install")],
        failure=failure, install_failure=True,
    )
    release["status"]["installFailures"] = release["status"]["failures"] = 1  # retries left
    fleet.add(release)
    labels = {"app.kubernetes.io/instance": "gateway", "app.kubernetes.io/managed-by": "Helm",
              "helm.toolkit.fluxcd.io/name": "gateway", "helm.toolkit.fluxcd.io/namespace": ns}
    objs, pods = deployment_set(clock, "gateway", ns, "ghcr.io/example/gateway:3.2.0", labels, replicas=2,
                                container="gateway", pod_suffixes=("c8r2w", "k5n9t"), crash=True,
                                created_minutes=25, sa="default")
    fleet.add(*objs)
    fleet.add(event(clock, release, "Warning", "InstallFailed", failure.message, "helm-controller", 20))
    # The crashed instance exits before writing anything; only the running one has logs.
    for pod in pods:
        fleet.log((ns, pod, "gateway", False), clock.at(0.5), "level=info msg=\"loading keys from /etc/gateway\"")
        fleet.log((ns, pod, "gateway", False), clock.at(0.4),
                  "level=error msg=\"open /etc/gateway/tls.key: no such file or directory\"")


def _failure_retried_never_succeeded(fleet: Fleet, clock: Clock) -> None:
    ns = "catalog"
    message = ("Deployment/catalog/catalog-api dry-run failed (Invalid): Deployment.apps \"catalog-api\" is "
               "invalid: spec.replicas: Invalid value: \"three\": spec.replicas in body must be of type integer")
    failure = Failure("ReconciliationFailed", message)
    fleet.failures[("Kustomization", ns, "catalog")] = failure
    rev = flux_system_revision()
    ks = kustomization(clock, "catalog", ns, ("GitRepository", "flux-system", "flux-system"), "./apps/catalog",
                       None, failure=failure, attempted=rev)
    ks["status"]["observedGeneration"] = -1
    ks["status"]["conditions"].insert(0, condition(
        "Reconciling", "True", "ProgressingWithRetry", f"Detecting drift for revision {rev} with a timeout of 5m0s",
        clock.ago(45),
    ))
    fleet.add(ks)
    fleet.add(event(clock, ks, "Warning", "ReconciliationFailed", message, "kustomize-controller", 2, count=22,
                    first_minutes_ago=45))
