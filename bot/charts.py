"""Charts rendered to PNG bytes with matplotlib's non-interactive backend."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from bot.services.pipeline import StageTotal  # noqa: E402


def funnel_png(stages: Sequence[StageTotal], *, title: str = "Open pipeline by stage") -> bytes:
    """A horizontal funnel: one bar per stage, count and weighted value labelled."""
    figure, axis = plt.subplots(figsize=(8, 0.7 * len(stages) + 1.4), dpi=110)
    try:
        widest = max((stage.count for stage in stages), default=0) or 1
        for row, stage in enumerate(reversed(stages)):
            width = max(stage.count / widest, 0.01)
            axis.barh(row, width, left=(1 - width) / 2, color="#1d3557", height=0.72)
            axis.text(1.03, row, f"{stage.count} leads\n\\${stage.value:,.0f} · weighted \\${stage.weighted:,.0f}",
                      ha="left", va="center", color="#1d3557", fontsize=9)  # fmt: skip
        axis.set_yticks(range(len(stages)), [stage.name for stage in reversed(stages)], fontsize=10)
        axis.set_xlim(0, 1)
        axis.set_xticks([])
        for side in ("top", "right", "bottom", "left"):
            axis.spines[side].set_visible(False)
        axis.tick_params(left=False)
        axis.set_title(title, fontsize=12, loc="left")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(figure)
