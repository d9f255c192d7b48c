"""The output budget: whole items, a marker that says how many, and the argument that narrows."""

from __future__ import annotations

from collections.abc import Iterator

from flux_mcp.flux.budget import clip_text, fit_items


def test_everything_fits_when_small() -> None:
    fitted = fit_items(["a", "b"], 10_000, hint="lower `limit`", header="# two")

    assert fitted.text == "# two\na\nb"
    assert not fitted.truncated and fitted.shown == 2 == fitted.total


def test_items_are_cut_at_a_boundary_with_counts_and_the_hint() -> None:
    items = [f"item-{i}: " + "x" * 90 for i in range(100)]

    fitted = fit_items(items, 3000, hint="pass a smaller `limit`")

    assert fitted.truncated and 0 < fitted.shown < 100
    assert len(fitted.text) <= 3000
    body, marker = fitted.text.rsplit("\n", 1)
    assert body.splitlines() == items[: fitted.shown]
    assert f"output truncated after {fitted.shown} of 100 items" in marker
    assert "To see the rest: pass a smaller `limit`." in marker


def test_a_single_huge_item_is_clipped_not_dropped() -> None:
    fitted = fit_items(["line\n" * 5000], 2000, hint="use `fields`")

    assert fitted.shown == 1 and fitted.text.startswith("line\nline")
    assert len(fitted.text) <= 2000


def test_clip_text_cuts_at_a_line_break() -> None:
    text = "\n".join(f"row {i}" for i in range(2000))

    clipped = clip_text(text, 2000, "add `grep`")

    assert len(clipped.text) <= 2000
    kept = clipped.text.rsplit("\n", 1)[0]
    assert all(line.startswith("row ") for line in kept.splitlines())
    assert "add `grep`" in clipped.text and clipped.truncated


def test_clip_text_leaves_short_text_alone() -> None:
    assert clip_text("short", 2000).text == "short"


def test_a_lazy_list_stops_rendering_at_the_cut() -> None:
    rendered: list[int] = []

    def items() -> Iterator[str]:
        for i in range(1000):
            rendered.append(i)
            yield f"item-{i} " + "x" * 90

    fitted = fit_items(items(), 2_000, hint="pass a smaller limit", total=1000)

    assert fitted.total == 1000 and 0 < fitted.shown < 1000
    assert "of 1000 items" in fitted.text
    assert len(rendered) == fitted.shown + 1  # the one that did not fit, and nothing after it
