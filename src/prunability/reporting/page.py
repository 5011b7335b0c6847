"""The HTML page shell both studies' report sections are set in: one style, captions, inlined images."""

import base64
import html
from pathlib import Path

STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border:1px solid #ccc;padding:3px 8px;
text-align:right}th{background:#f3f3f3}img{max-width:100%}figcaption,.caption{color:#555;font-size:14px}"""


def caption(captions: Path, name: str) -> str:
    """The caption ``name``.rst of the study's captions folder, as an HTML paragraph (none where absent)."""
    path = captions / f"{name}.rst"
    return f"<p class='caption'>{html.escape(path.read_text().strip())}</p>" if path.exists() else ""


def image(path: Path) -> str:
    """A PNG inlined, so the report is one file that can be mailed or archived."""
    data = base64.b64encode(path.read_bytes()).decode()
    return f"<img alt='{html.escape(path.stem)}' src='data:image/png;base64,{data}'>"
