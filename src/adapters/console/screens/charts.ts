/**
 * Charts: the page carries each chart's data as JSON (`<script type="application/json">`, inert under the
 * content-security policy), and charts.js draws it with uPlot (vendored from npm). Without JavaScript the
 * table beside each chart carries the same figures.
 */
import { html, unsafeHtml, type Html } from '../../../lib/html.ts';
import { BASE } from '../views.ts';

export interface ChartSeries {
  label: string;
  values: number[];
  color: string;
}

export interface ChartSpec {
  /** Seconds since the epoch, one per point. */
  x: number[];
  series: ChartSeries[];
  /** Values are fractions shown as percentages. */
  percent?: boolean;
  /** Horizontal lines (review and pause thresholds). */
  thresholds?: { label: string; value: number; color: string }[];
}

/** JSON safe inside a script element: no `</script>` or `<!--` can end it early. */
function scriptJson(value: unknown): Html {
  return unsafeHtml(JSON.stringify(value).replace(/</g, '\\u003c'));
}

export function chart(id: string, title: string, spec: ChartSpec): Html {
  return html`<figure class="chart" data-testid="${id}">
    <figcaption>${title}</figcaption>
    <div class="chart-area" id="${id}"></div>
    <script type="application/json" data-chart="${id}">
      ${scriptJson(spec)}
    </script>
  </figure>`;
}

/** The scripts a page with charts loads (uPlot, then the drawing code). */
export const CHART_ASSETS = html`<link rel="stylesheet" href="${BASE}/assets/uplot.min.css" />
  <script src="${BASE}/assets/uplot.min.js"></script>
  <script src="${BASE}/assets/charts.js"></script>`;

export const CHARTS_JS = `
(function () {
  function draw(el) {
    var spec = JSON.parse(el.textContent);
    var target = document.getElementById(el.dataset.chart);
    if (!target || typeof uPlot === 'undefined') return;
    var pct = function (u, v) { return v == null ? '' : (v * 100).toFixed(2) + ' %'; };
    var series = [{}].concat(spec.series.map(function (s) {
      return { label: s.label, stroke: s.color, width: 2, value: spec.percent ? pct : undefined };
    }));
    var data = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
    (spec.thresholds || []).forEach(function (t) {
      series.push({ label: t.label, stroke: t.color, dash: [6, 4], width: 1, value: spec.percent ? pct : undefined });
      data.push(spec.x.map(function () { return t.value; }));
    });
    var opts = {
      width: Math.max(320, target.clientWidth || 900),
      height: 220,
      series: series,
      axes: [{}, { size: 64, values: spec.percent ? function (u, vs) { return vs.map(function (v) { return +(v * 100).toPrecision(3) + '%'; }); } : undefined }],
      scales: { y: { range: function (u, min, max) { return [0, Math.max(max, spec.percent ? 0.001 : 1)]; } } },
    };
    target.textContent = '';
    new uPlot(opts, data, target);
    target.dataset.drawn = 'true';
  }
  document.querySelectorAll('script[data-chart]').forEach(draw);
})();
`;
