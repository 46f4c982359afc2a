// A self-contained HTML report: title, summary numbers, tables, inline SVG plots, escaped text.

export interface ReportSection {
  heading: string;
  /** Paragraphs of plain text (escaped). */
  text?: string[];
  table?: { columns: string[]; rows: (string | number)[][] };
  svg?: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function cell(v: string | number): string {
  return typeof v === 'number' ? `<td class="num">${Number.isInteger(v) ? v : v.toFixed(3)}</td>` : `<td>${escapeHtml(v)}</td>`;
}

export function renderReport(title: string, sections: readonly ReportSection[], meta: Record<string, string> = {}): string {
  const body = sections
    .map((s) => {
      const parts = [`<h2>${escapeHtml(s.heading)}</h2>`];
      for (const p of s.text ?? []) parts.push(`<p>${escapeHtml(p)}</p>`);
      if (s.svg) parts.push(`<figure>${s.svg}</figure>`);
      if (s.table) {
        parts.push('<table><thead><tr>' + s.table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('') + '</tr></thead><tbody>');
        for (const r of s.table.rows) parts.push('<tr>' + r.map(cell).join('') + '</tr>');
        parts.push('</tbody></table>');
      }
      return `<section>${parts.join('\n')}</section>`;
    })
    .join('\n');
  const metaRows = Object.entries(meta).map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4}figure{margin:0}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
${metaRows ? `<table>${metaRows}</table>` : ''}
${body}
</body></html>
`;
}
