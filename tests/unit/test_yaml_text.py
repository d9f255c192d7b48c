"""The YAML writer: what it writes reads back as the same tree, and reads like kubectl's YAML."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from flux_mcp.tools._yaml_text import to_yaml

SCALARS = (
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False) | st.text(max_size=30)
    | st.sampled_from(["yes", "No", "on", "~", "null", "1.5", "0x1f", "0o17", "012", "1_000", "190:20:30",
                       "2026-12-01", "2026-12-01T23:00:00Z", "=", "<<", ".inf", "-.nan", "- a", "a: b", "a #b",
                       "#x", "&a", "*a", "!tag", "|", ">", "%x", "@x", "`x", "'q'", '"q"', "---", "...", "?",
                       "key:", " lead", "trail ", "a\"b", "a'b", "a#b", "a #b", "x:y", "tab\there",
                       "new\nline", "\u2028", "\x85", "\ufeff", "\x00"])
)
TREES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12) | SCALARS.filter(
        lambda v: isinstance(v, str)), children, max_size=4),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(TREES)
def test_every_json_shaped_tree_reads_back_unchanged(tree: Any) -> None:
    assert yaml.safe_load(to_yaml(tree)) == tree


def test_an_object_reads_like_kubectl_output() -> None:
    obj = {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system", "labels": {"app.kubernetes.io/part-of": "flux"}},
        "spec": {"interval": "10m", "prune": True, "dependsOn": [{"name": "infra"}], "patches": []},
        "status": {"conditions": [{"type": "Ready", "status": "True", "message": "Applied revision: main@sha1:4f2"}]},
    }
    assert to_yaml(obj) == (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\n"
        "kind: Kustomization\n"
        "metadata:\n"
        "  name: apps\n"
        "  namespace: flux-system\n"
        "  labels:\n"
        "    app.kubernetes.io/part-of: flux\n"
        "spec:\n"
        "  interval: 10m\n"
        "  prune: true\n"
        "  dependsOn:\n"
        "  - name: infra\n"
        "  patches: []\n"
        "status:\n"
        "  conditions:\n"
        "  - type: Ready\n"
        "    status: 'True'\n"
        "    message: 'Applied revision: main@sha1:4f2'\n"
    )


def test_multi_line_and_unprintable_strings_are_escaped_on_one_line() -> None:
    assert to_yaml({"message": "build failed:\n  missing\tfile\x07"}) == (
        'message: "build failed:\\n  missing\\tfile\\x07"\n'
    )


def test_long_lines_are_never_wrapped() -> None:
    message = "word " * 500 + "end"
    assert to_yaml({"message": message}).count("\n") == 1


def test_long_strings_are_not_kept_in_the_cache() -> None:
    """A long value (a dashboard in a ConfigMap) must not stay in memory after its answer."""
    from flux_mcp.tools import _yaml_text

    _yaml_text._cached_string.cache_clear()
    long_value = "x" * (_yaml_text.CACHED_STRING_CHARS + 1)
    assert to_yaml({"data": {"dashboard": long_value, "short": "kept"}}).count(long_value) == 1
    # "data", "dashboard", "short" and "kept" are cached; the long value is not.
    assert _yaml_text._cached_string.cache_info().currsize == 4
