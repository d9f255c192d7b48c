"""The sandbox is a world a real cluster accepts: every object it serves, copied into a real
kube-apiserver (with the Flux CRDs users run) by a copier that fixes nothing, is accepted, status
included."""

from __future__ import annotations

from tests.realk8s.twins import Twins


def test_every_object_the_sandbox_serves_is_accepted_by_a_real_api_server(twins: Twins) -> None:
    total, report = twins.served, twins.report
    assert report.rejections == [], (
        f"{len(report.rejections)} of {total} sandbox objects rejected by kube-apiserver:\n"
        + "\n".join(r.line() for r in report.rejections)
    )


def test_the_copy_reaches_every_kind_and_status(twins: Twins) -> None:
    """The validity test above is only as strong as the copy: it must have sent the whole fleet,
    statuses included, not an empty or partial list."""
    total, report = twins.served, twins.report
    kinds = {ref.split()[0] for ref in report.created + report.already_present}
    assert {"Namespace", "Deployment", "Pod", "GitRepository", "Kustomization", "HelmRelease"} <= kinds
    assert total >= 50
    refused_at_create = [r for r in report.rejections if r.step == "create"]
    assert len(report.created) + len(report.already_present) + len(refused_at_create) == total
    assert any(ref.startswith("Kustomization ") for ref in report.status_written)
