"""The report as a page: one PNG per figure and an HTML page that embeds them, or cells of a notebook."""
import base64
import html
from pathlib import Path

from competition.core.atomic import write_bytes, write_text
from competition.core.provenance import code_revision, utc_now
from competition.report import figures


def describe_inputs(data, prepared, split):
    lines = [f"split: {split}, {len(data.ids)} labelled rows"
             + (f" ({data.dropped} unlabelled rows left out)" if data.dropped else "")]
    lines += [f"model {name}: {path}" for name, path in zip(data.models, data.paths)]
    if data.spec is not None:
        lines.append(f"ensemble: {data.spec_path} (method {data.spec['method']})")
    if prepared is not None:
        lines.append(f"prepared dataset: {prepared}")
    return lines


def write_report(sections, out_dir, *, title, inputs=()):
    """One PNG per figure and index.html with every figure embedded (the page stands alone). Returns its path."""
    out_dir = Path(out_dir)
    parts = [f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
             "img{max-width:100%}table{border-collapse:collapse;font-size:13px;margin:1em 0}"
             "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style></head><body>",
             f"<h1>{html.escape(title)}</h1><ul>"]
    parts += [f"<li>{html.escape(line)}</li>" for line in inputs]
    parts.append(f"</ul><p>code revision {html.escape(code_revision())}, {html.escape(utc_now())}</p>")
    for section in sections:
        parts.append(f"<h2 id=\"{section.name}\">{html.escape(section.title)}</h2>")
        if section.text:
            parts.append(f"<p>{html.escape(section.text)}</p>")
        if section.figure is not None:
            png = figures.figure_png(section.figure)
            write_bytes(out_dir / f"{section.name}.png", png)
            parts.append(f"<img alt=\"{html.escape(section.title)}\" src=\"data:image/png;base64,"
                         f"{base64.b64encode(png).decode()}\">")
        if section.table is not None:
            parts.append(section.table.to_html(float_format=lambda v: f"{v:.4f}", na_rep="–"))
    parts.append("</body></html>\n")
    page = out_dir / "index.html"
    write_text(page, "\n".join(parts))
    return page


def show(section):
    """Display a section in a notebook: its title and text, the figure as PNG, the table. None shows nothing
    (a section the inputs do not allow, such as the weights without an ensemble spec)."""
    from IPython.display import Image, Markdown, display

    if section is None:
        return
    display(Markdown(f"### {section.title}\n\n{section.text}"))
    if section.figure is not None:
        display(Image(data=figures.figure_png(section.figure)))
    if section.table is not None:
        display(section.table)
