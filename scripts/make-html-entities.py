#!/usr/bin/env python3
"""Writes Sources/ReportEngine/Resources/html-entities.json: the HTML5 named character references
(name without '&' -> text), taken from Python's standard library table of the WHATWG list."""
import html.entities, json, pathlib
table = {k.rstrip(';'): v for k, v in html.entities.html5.items()}
out = pathlib.Path(__file__).resolve().parent.parent / "Sources/ReportEngine/Resources/html-entities.json"
out.write_text(json.dumps(table, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
print(f"{len(table)} entities -> {out}")
