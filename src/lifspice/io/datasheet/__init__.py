"""Datasheet files: ``datasheet.json``, ``datasheet.md`` (CACE's columns plus theory) and a
self-contained ``datasheet.html`` (:mod:`~lifspice.io.datasheet.html`,
:mod:`~lifspice.io.datasheet.text`, :mod:`~lifspice.io.datasheet.template`)."""

from lifspice.io.datasheet.html import figure_data, render_html, write_datasheet
from lifspice.io.datasheet.text import markdown, markdown_table, si

__all__ = ["figure_data", "markdown", "markdown_table", "render_html", "si", "write_datasheet"]
