# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report document (engine.assess) as JSON, Markdown and one self-contained HTML page: no external
asset (styles inline, charts as inline SVG), every finding expandable to its evidence and remediation."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.koor.ceph.plugins.module_utils.assessment import checks as _checks

COLOURS = {"critical": "#c0392b", "warning": "#d68910", "info": "#2e86c1", "ok": "#229954", "muted": "#7f8c8d"}


def to_json(document):
    return json.dumps(document, indent=1, sort_keys=True, default=str) + "\n"


def _md_cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _value(value):
    return json.dumps(value, sort_keys=True, default=str) if not isinstance(value, str) else value


def to_markdown(document):
    summary = document["summary"]
    cluster = document["cluster"]
    lines = ["# Ceph assessment", "",
             "| | |", "| --- | --- |",
             "| cluster | %s (%s mode) |" % (cluster.get("fsid"), cluster.get("mode")),
             "| collected | %s |" % cluster.get("collected_at"),
             "| Ceph health | %s |" % cluster.get("health"),
             "| versions | %s |" % ", ".join(cluster.get("versions") or []),
             "| score | %d (%s) |" % (summary["score"], summary["grade"]),
             "| findings | %d critical, %d warning, %d info, %d muted |" % (
                 summary["findings"]["critical"], summary["findings"]["warning"], summary["findings"]["info"],
                 summary["muted"]),
             "| exit code | %d |" % summary["exit_code"], ""]
    comparison = document.get("comparison")
    if comparison:
        lines += ["## Compared with the run of %s" % comparison.get("previous_generated_at"), "",
                  "- new: %s" % (", ".join(comparison["new"]) or "none"),
                  "- resolved: %s" % (", ".join(comparison["resolved"]) or "none"),
                  "- still open: %d" % len(comparison["still_open"]), ""]
    lines += ["## Findings", "", "| severity | check | subject | message |", "| --- | --- | --- | --- |"]
    for finding in document["findings"]:
        severity = finding["severity"] + (" (muted)" if finding["muted"] else "")
        cells = (severity, finding["check"], _md_cell(finding["subject"]), _md_cell(finding["message"]))
        lines.append("| %s | %s | %s | %s |" % cells)
    if not document["findings"]:
        lines.append("| | | | no findings |")
    lines.append("")
    for finding in document["findings"]:
        lines += ["### %s: %s (%s)" % (finding["check"], finding["subject"], finding["severity"]), "",
                  finding["message"], ""]
        if finding["muted"]:
            lines += ["Muted until %s: %s" % (finding["muted"]["expires"], finding["muted"]["reason"]), ""]
        if finding.get("mute_expired"):
            lines += ["A mute expired on %s (%s)." % (finding["mute_expired"]["expires"], finding["mute_expired"]["reason"]), ""]
        lines += ["Why: %s" % finding["why"], "", "Remediation: %s" % finding["remediation"], "",
                  "Evidence:", ""]
        lines += ["- `%s` %s = `%s`" % (e["source"], e["field"], _value(e["value"])) for e in finding["evidence"]]
        lines += ["", "Docs: %s" % finding["docs"], ""]
    skipped = [r for r in document["checks"] if r["status"] in ("not_evaluated", "not_applicable")]
    if skipped:
        lines += ["## Checks not run", ""] + ["- %s: %s (%s)" % (r["check"], r["status"], r["reason"]) for r in skipped] + [""]
    return "\n".join(lines)


# --- HTML ------------------------------------------------------------------------------------------
def _esc(text):
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"))


def _bar_chart(chart_id, title, bars, width=560, unit="", limit_lines=()):
    """Horizontal bars: (label, value 0..1 or a count, colour). limit_lines: (value, label) drawn as lines."""
    row = 22
    height = 30 + row * max(1, len(bars))
    top = max([v for _l, v, _c in bars] + [1e-9])
    scale_max = 1.0 if unit == "%" else top
    label_w, bar_w = 170, width - 230
    parts = ['<svg id="%s" class="chart" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg" '
             'width="%d" height="%d" viewBox="0 0 %d %d">' % (chart_id, _esc(title), width, height, width, height),
             '<text x="0" y="14" class="t">%s</text>' % _esc(title)]
    for index, (label, value, colour) in enumerate(bars):
        y = 24 + index * row
        length = 0 if scale_max == 0 else max(1.0, bar_w * min(value, scale_max) / scale_max)
        shown = "%.1f%%" % (value * 100) if unit == "%" else "%g" % value
        parts.append('<text x="0" y="%d" class="l">%s</text>' % (y + 13, _esc(label[:26])))
        parts.append('<rect x="%d" y="%d" width="%.1f" height="16" fill="%s"><title>%s: %s</title></rect>'
                     % (label_w, y, length, colour, _esc(label), shown))
        parts.append('<text x="%.1f" y="%d" class="v">%s</text>' % (label_w + length + 4, y + 13, shown))
    for value, label in limit_lines:
        if value is None:
            continue
        x = label_w + bar_w * min(value, scale_max) / scale_max
        parts.append('<line x1="%.1f" y1="20" x2="%.1f" y2="%d" stroke="#c0392b" stroke-dasharray="4 2"/>' % (x, x, height))
        parts.append('<text x="%.1f" y="%d" class="v" fill="#c0392b">%s</text>' % (x + 2, height - 2, _esc(label)))
    if not bars:
        parts.append('<text x="0" y="40" class="l">no data</text>')
    parts.append("</svg>")
    return "".join(parts)


def _stacked(chart_id, title, rows, width=560):
    """Per category a stacked bar of critical/warning/info counts."""
    row = 22
    rows = list(rows)
    height = 30 + row * max(1, len(rows))
    top = max([sum(c.values()) for _n, c in rows] + [1])
    label_w, bar_w = 170, width - 230
    parts = ['<svg id="%s" class="chart" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg" '
             'width="%d" height="%d" viewBox="0 0 %d %d">' % (chart_id, _esc(title), width, height, width, height),
             '<text x="0" y="14" class="t">%s</text>' % _esc(title)]
    for index, (name, counts) in enumerate(rows):
        y = 24 + index * row
        x = label_w
        parts.append('<text x="0" y="%d" class="l">%s</text>' % (y + 13, _esc(name)))
        for severity in ("critical", "warning", "info"):
            length = bar_w * counts.get(severity, 0) / float(top)
            if length:
                parts.append('<rect x="%.1f" y="%d" width="%.1f" height="16" fill="%s"><title>%s %s: %d</title></rect>'
                             % (x, y, length, COLOURS[severity], _esc(name), severity, counts[severity]))
            x += length
        parts.append('<text x="%.1f" y="%d" class="v">%d</text>' % (x + 4, y + 13, sum(counts.values())))
    parts.append("</svg>")
    return "".join(parts)


def charts_svg(document):
    data = document["charts"]
    capacity = data["capacity"]
    bars = [("raw (%s of %s GiB)" % (_gib(capacity["used_bytes"]), _gib(capacity["total_bytes"])),
             capacity["used_ratio"] or 0.0, COLOURS["info"])]
    bars += [("pool " + p["name"], p["percent_used"], COLOURS["info"]) for p in capacity["pools"]]
    limits = [(capacity.get("nearfull_ratio"), "nearfull"), (capacity.get("full_ratio"), "full")]
    cap = _bar_chart("chart-capacity", "Capacity used", bars, unit="%", limit_lines=limits)
    osds = [(o["name"], o["utilization"], COLOURS["warning"] if capacity.get("nearfull_ratio") is not None and
             o["utilization"] >= capacity["nearfull_ratio"] else COLOURS["ok"]) for o in data["osd_utilization"]]
    osd = _bar_chart("chart-osd-utilization", "OSD utilisation", osds, unit="%", limit_lines=limits)
    states = sorted(data["pg_states"].items(), key=lambda kv: -kv[1])
    from ansible_collections.koor.ceph.plugins.module_utils.health import pg_state_is_clean  # pylint: disable=import-outside-toplevel
    pg = _bar_chart("chart-pg-states", "PG states (count)",
                    [(s, n, COLOURS["ok"] if pg_state_is_clean(s) else COLOURS["warning"]) for s, n in states])
    by_category = [(c, document["summary"]["by_category"].get(c, {})) for c in _checks.CATEGORIES]
    cat = _stacked("chart-findings-by-category", "Findings by category", by_category)
    return {"capacity": cap, "osd_utilization": osd, "pg_states": pg, "findings_by_category": cat}


def _gib(value):
    return "%.1f" % (float(value or 0) / 1024 ** 3)


STYLE = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:24px 0 8px}
.meta{color:#555;font-size:13px}.score{font-size:40px;font-weight:bold}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px}
.sev{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px}
.critical{background:#c0392b}.warning{background:#d68910}.info{background:#2e86c1}.muted{background:#7f8c8d}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:16px}
svg .t{font-size:14px;font-weight:bold}svg .l,svg .v{font-size:11px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;
font-size:13px;vertical-align:top}
details{margin:0}summary{cursor:pointer}.ev td{font-family:monospace;font-size:12px}
tr.is-muted td{color:#888}
"""


def to_html(document):
    summary = document["summary"]
    cluster = document["cluster"]
    svg = charts_svg(document)
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>Ceph assessment %s</title><style>%s</style></head><body>" % (_esc(cluster.get("fsid") or ""), STYLE),
           "<h1>Ceph assessment</h1>",
           '<div class="meta">cluster %s, %s mode, collected %s, report %s, Ceph %s, health %s</div>' % (
               _esc(cluster.get("fsid")), _esc(cluster.get("mode")), _esc(cluster.get("collected_at")),
               _esc(document["generated_at"]), _esc(", ".join(cluster.get("versions") or [])), _esc(cluster.get("health"))),
           '<div class="cards"><div class="card"><div>score</div><div class="score" id="score">%d <small>%s</small></div></div>'
           % (summary["score"], summary["grade"])]
    for severity in ("critical", "warning", "info"):
        out.append('<div class="card"><div><span class="sev %s">%s</span></div><div class="score">%d</div></div>'
                   % (severity, severity, summary["findings"][severity]))
    out.append('<div class="card"><div><span class="sev muted">muted</span></div><div class="score">%d</div></div>'
               % summary["muted"])
    out.append('<div class="card"><div>exit code</div><div class="score">%d</div></div></div>' % summary["exit_code"])
    comparison = document.get("comparison")
    if comparison:
        out.append('<h2>Compared with %s</h2><p id="comparison">new: %d, resolved: %d, still open: %d</p>' % (
            _esc(comparison.get("previous_generated_at")), len(comparison["new"]), len(comparison["resolved"]),
            len(comparison["still_open"])))
        out.append("<ul>%s%s</ul>" % ("".join("<li>new: %s</li>" % _esc(k) for k in comparison["new"]),
                                      "".join("<li>resolved: %s</li>" % _esc(k) for k in comparison["resolved"])))
    out.append('<h2>Charts</h2><div class="charts">%s</div>' % "".join(
        '<div>%s</div>' % svg[k] for k in ("capacity", "osd_utilization", "pg_states", "findings_by_category")))
    out.append('<h2>Findings</h2><table id="findings"><thead><tr><th>severity</th><th>category</th><th>check</th>'
               '<th>finding</th></tr></thead><tbody>')
    for finding in document["findings"]:
        muted = finding["muted"]
        badge = '<span class="sev %s">%s</span>' % (finding["severity"], finding["severity"])
        if muted:
            badge += ' <span class="sev muted" title="%s">muted until %s</span>' % (_esc(muted["reason"]), _esc(muted["expires"]))
        evidence = "".join("<tr><td>%s</td><td>%s</td><td>%s</td></tr>" % (
            _esc(e["source"]), _esc(e["field"]), _esc(_value(e["value"]))) for e in finding["evidence"])
        extra = ""
        if muted:
            extra += "<p><b>Muted</b> until %s: %s</p>" % (_esc(muted["expires"]), _esc(muted["reason"]))
        if finding.get("mute_expired"):
            extra += "<p><b>Mute expired</b> on %s (%s)</p>" % (_esc(finding["mute_expired"]["expires"]),
                                                                _esc(finding["mute_expired"]["reason"]))
        out.append(
            '<tr class="finding%s" data-severity="%s"><td>%s</td><td>%s</td><td>%s</td><td><details><summary>%s</summary>'
            '%s<p><b>Why:</b> %s</p><p><b>Remediation:</b> %s</p><table class="ev"><tr><th>source</th><th>field</th>'
            '<th>value</th></tr>%s</table><p><a href="%s">documentation</a></p></details></td></tr>' % (
                " is-muted" if muted else "", finding["severity"], badge, _esc(finding["category"]), _esc(finding["check"]),
                _esc(finding["message"]), extra, _esc(finding["why"]), _esc(finding["remediation"]), evidence,
                _esc(finding["docs"])))
    if not document["findings"]:
        out.append('<tr><td colspan="4">no findings</td></tr>')
    out.append("</tbody></table>")
    skipped = [r for r in document["checks"] if r["status"] in ("not_evaluated", "not_applicable")]
    passed = sum(1 for r in document["checks"] if r["status"] == "passed")
    out.append("<h2>Checks</h2><p>%d checks: %d passed, %d with findings, %d not run.</p>" % (
        len(document["checks"]), passed, sum(1 for r in document["checks"] if r["status"] == "failed"), len(skipped)))
    if skipped:
        out.append("<ul>%s</ul>" % "".join("<li>%s: %s (%s)</li>" % (_esc(r["check"]), _esc(r["status"]), _esc(r["reason"]))
                                           for r in skipped))
    out.append("</body></html>\n")
    return "".join(out)
