# ruff: noqa: E501  (HTML markup: one table row per line reads better than wrapped)
"""The Jinja2 template of ``datasheet.html``: one self-contained page (no script, no network;
plots embedded as base64 PNG or inline SVG), readable at phone width (tables scroll inside
their box, figures shrink) and when printed (no scroll boxes, no figure split)."""

CSS = """
:root { --pass: #d9f2dd; --fail: #f8d7da; --info: #e8eef8; --ink: #1d2430; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); margin: 0 auto; padding: 0.8rem; max-width: 64rem;
       overflow-wrap: anywhere; }  /* long paths and names break instead of widening */
table { overflow-wrap: normal; }
h1 { font-size: 1.5rem; margin: 0.2rem 0; } h2 { font-size: 1.2rem; margin-top: 1.6rem;
     border-bottom: 1px solid #ccd; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.4rem 0; }
th, td { border: 1px solid #c8cdd6; padding: 0.2rem 0.45rem; text-align: right;
         vertical-align: top; }
th { background: #eef0f4; } td.name, th.name, td.text { text-align: left; }
tr.status-pass td.status, td.pass { background: var(--pass); }
tr.status-fail td.status, tr.status-no-data td.status, td.fail { background: var(--fail); }
tr.status-info td.status { background: var(--info); }
.badge { display: inline-block; padding: 0.1rem 0.6rem; border-radius: 0.3rem;
         font-weight: 600; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); }
figure { margin: 0.8rem 0; } figcaption { font-size: 0.85rem; color: #445; }
figure img, figure svg { max-width: 100%; height: auto; display: block; }
.hist { display: grid; grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr));
        gap: 0.6rem; }
.small { font-size: 0.85rem; color: #445; }
td { white-space: nowrap; } td.name, td.text { white-space: normal; }
@media (max-width: 40rem) {  /* phone: each summary row a card of label: value lines */
  table.cards, table.cards tbody, table.cards tr { display: block; width: 100%; }
  table.cards thead { display: none; }
  table.cards tr { border: 1px solid #c8cdd6; margin-bottom: 0.5rem; }
  table.cards td { display: flex; justify-content: space-between; gap: 0.6rem;
                   border: none; border-bottom: 1px solid #eceff3; text-align: right; }
  table.cards td::before { content: attr(data-label); font-weight: 600; text-align: left; }
}
@media print {
  body { max-width: none; font-size: 11px; } .scroll { overflow: visible; }
  figure, table { break-inside: avoid; } h2 { break-after: avoid; }
}
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Datasheet: {{ doc.name }}</title>
<style>{{ css }}</style>
</head>
<body>
<header>
<h1>Datasheet: {{ doc.name }} <small class="small">({{ doc.circuit }} neuron)</small></h1>
<p><span class="badge {{ doc.status }}" id="overall-status">{{ doc.status|upper }}</span>
{{ doc.counts['pass'] }} pass, {{ doc.counts['fail'] }} fail, {{ doc.counts['info'] }} info,
{{ doc.counts['no data'] }} without data. Spec: {{ doc.spec.source }}.
Measured with ngspice by lifspice in {{ '%.0f'|format(doc.elapsed_s) }} s{% if doc.reused %}
(reusing the {{ doc.reused|join(' and ') }} runs of an earlier call){% endif %}.</p>
</header>

<h2 id="summary-heading">Summary</h2>
<div class="scroll"><table id="summary" class="cards">
<thead><tr>{% for c in columns %}<th{% if loop.index <= 3 %} class="name"{% endif %}>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in rows %}<tr class="status-{{ row.status|replace(' ', '-') }}" data-parameter="{{ row.name }}" data-status="{{ row.status }}">
{% for cell in row.cells %}<td data-label="{{ columns[loop.index0] }}" class="{% if loop.index <= 3 %}name{% elif loop.index == 10 %}status{% elif loop.index == 11 %}text{% endif %}">{{ cell }}</td>{% endfor %}
</tr>
{% endfor %}</tbody></table></div>
{% if failing %}<p><b>Failing</b></p><ul id="failing">
{% for r in failing %}<li><b>{{ r.name }}</b>: {{ r.fail_reasons|join('; ') }}</li>{% endfor %}
</ul>{% endif %}
<p class="small">Currents: {% for c in doc.currents %}{{ c.label }} = {{ c.text }}{% if not loop.last %}, {% endif %}{% endfor %}
(the first is where corners and Monte Carlo measure V_th, t_ref and energy).
Theory: the ideal and the saturating-leak LIF built from the nominal measurements, nothing
fitted, or the design's own value.</p>

<h2>Design</h2>
<div class="scroll"><table id="design-values"><thead><tr><th class="name">key</th><th>value</th></tr></thead>
<tbody>{% for k, v in design_items %}<tr><td class="name">{{ k }}</td><td>{{ v }}</td></tr>{% endfor %}</tbody></table></div>
{% if devices %}
<p>Devices of {{ devices.source }} ({{ devices.rows|length }}; total device area
<b id="total-area">{{ devices.total_area }}</b>, wiring and spacing not included):</p>
<div class="scroll"><table id="devices"><thead><tr><th class="name">device</th><th class="name">type</th><th class="name">model</th><th>W</th><th>L</th><th>m</th><th>value</th><th>area</th></tr></thead>
<tbody>{% for d in devices.rows %}<tr><td class="name">{{ d.name }}</td><td class="name">{{ d.type }}</td><td class="name">{{ d.model }}</td><td>{{ d.w }}</td><td>{{ d.l }}</td><td>{{ d.m }}</td><td>{{ d.value }}</td><td>{{ d.area }}</td></tr>{% endfor %}</tbody></table></div>
{% else %}<p>A behavioral design: no devices.</p>{% endif %}

<h2>Waveforms</h2>
{{ figure(figures.waveform) }}

<h2>F-I curve against theory</h2>
{{ figure(figures.fi) }}
<p class="small">{{ doc.nominal.silicon_vs_theory }}</p>

{% if cells %}
<h2>Corners</h2>
<div class="scroll"><table id="corners"><thead><tr><th class="name">condition</th>{% for c in cell_columns %}<th>{{ c.title }}</th>{% endfor %}<th class="name">note</th></tr></thead>
<tbody>{% for cell in cells %}<tr><td class="name">{{ cell.label }}</td>{% for v in cell["values"] %}<td class="{{ v.flag }}">{{ v.text }}</td>{% endfor %}<td class="name">{{ cell.error }}</td></tr>{% endfor %}</tbody></table></div>
<p class="small">Green: within the limits of every parameter measured there; red: outside.</p>
{% endif %}

{% if doc.montecarlo %}
<h2>Monte Carlo</h2>
<p>{{ doc.montecarlo.n_samples }} samples (seed {{ doc.montecarlo.seed }}),
{{ doc.montecarlo.n_failed }} failed to measure. Yields with exact (Clopper-Pearson) 95 %
intervals:</p>
<div class="scroll"><table id="yields"><thead><tr><th class="name">parameter</th><th>yield [95 % interval]</th><th>status</th></tr></thead>
<tbody>{% for r in yields %}<tr class="status-{{ r.status|replace(' ', '-') }}"><td class="name">{{ r.name }}</td><td>{{ r.text }}</td><td class="status">{{ r.status }}</td></tr>{% endfor %}</tbody></table></div>
<div class="hist">{% for f in figures.histograms %}{{ figure(f) }}{% endfor %}</div>
{% endif %}

{% if figures.energy %}
<h2>Energy per spike</h2>
{{ figure(figures.energy) }}
<div class="scroll"><table id="energy"><thead><tr><th class="name">source</th><th class="name">technology</th><th>energy per spike</th><th class="name">note</th></tr></thead>
<tbody><tr><td class="name"><b>{{ doc.name }}</b></td><td class="name">this design</td><td>{{ energy_text }}</td><td class="name">dynamic, at {{ trace_current }}</td></tr>
{% for p in doc.published_energy_per_spike %}<tr><td class="name">{{ p.source }}</td><td class="name">{{ p.technology }}</td><td>{{ p.text }}</td><td class="name">{{ p.note }}</td></tr>{% endfor %}</tbody></table></div>
{% endif %}

<h2>Values per condition</h2>
{% for row in doc.parameters %}<details><summary>{{ row.name }}: {{ row.description }}</summary>
<div class="scroll"><table><tbody>{% for c in row.conditions %}<tr><td class="name">{{ c.label }}</td><td>{{ c.text }}</td><td class="name">{{ c.get('error') or '' }}</td></tr>{% endfor %}</tbody></table></div></details>
{% endfor %}
<p class="small">datasheet.json holds every number of this page; the runs are in nominal/,
corners/, supply/ and montecarlo/.</p>
</body>
</html>
"""

FIGURE = """<figure id="fig-{{ f.id }}" data-format="{{ f.format }}"{% for k, v in f.attrs.items() %} data-{{ k }}="{{ v }}"{% endfor %}>
{% if f.format == 'svg' %}{{ f.data|safe }}{% else %}<img alt="{{ f.caption }}" src="data:image/png;base64,{{ f.data }}">{% endif %}
<figcaption>{{ f.caption }}</figcaption></figure>"""
