"""How every table, report and quoted block writes a number with its spread, and a small Markdown table: one
formatter, so the docs, the report and summary.md never disagree on a digit."""

import pandas as pd


def pm(mean: float, std: float, digits: int = 2, scale: float = 1.0) -> str:
    """``mean ± std`` at ``digits`` decimals after scaling both (100: fractions as percentages); the undefined
    std of a single seed shows as 0, as in the summary tables."""
    spread = 0.0 if pd.isna(std) else std
    return f"{scale * mean:.{digits}f} ± {scale * spread:.{digits}f}"


def percent(mean: float, std: float) -> str:
    """``pm`` of fractions, shown as percentages."""
    return pm(mean, std, scale=100)


def markdown(frame: pd.DataFrame, left: int = 1) -> list[str]:
    """``frame`` as Markdown table lines, the first ``left`` columns (labels) left-aligned, the rest (numbers)
    right-aligned."""
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * left + "---:|" * (len(frame.columns) - left)
    return [head, rule, *("| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False))]
