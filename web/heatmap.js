// The per-token heatmap of a detection (POST /v1/detect): one cell per scored token, its text set
// as plain text and its colour from the score. Both replies share one scale, centred on the
// detector's threshold (0 when it has none), so their colours compare directly.

/** The centre and half-width of the colour scale over several detections. */
export function scaleFor(detections) {
  const found = detections.filter(Boolean);
  const center = found.map((d) => d.threshold).find((t) => typeof t === 'number') ?? 0;
  let span = 0;
  for (const d of found) for (const s of d.scores) span = Math.max(span, Math.abs(s - center));
  return { center, span: span > 0 ? span : 1 };
}

/** Warm above the centre (toward the concept), cool below, stronger the further away. */
export function cellColor(score, scale) {
  const t = Math.max(-1, Math.min(1, (score - scale.center) / scale.span));
  const alpha = (0.1 + 0.8 * Math.abs(t)).toFixed(3);
  return t >= 0 ? `rgba(230, 110, 20, ${alpha})` : `rgba(40, 110, 220, ${alpha})`;
}

function fmt(x) {
  return typeof x === 'number' ? x.toFixed(2) : '—';
}

/** Fills `box` with the cells of `detection` and a one-line summary. */
export function renderHeatmap(box, detection, scale) {
  const cells = document.createElement('div');
  cells.className = 'cells';
  detection.tokens.forEach((token, i) => {
    const score = detection.scores[i];
    const cell = document.createElement('span');
    cell.className = 'tok';
    cell.textContent = token;
    cell.dataset.score = String(score);
    cell.title = `${JSON.stringify(token)}: ${score.toFixed(3)}`;
    cell.style.backgroundColor = cellColor(score, scale);
    cells.append(cell);
  });
  const summary = document.createElement('p');
  summary.className = 'summary';
  const verdict = detection.detected === null ? '' : detection.detected ? ' → detected' : ' → not detected';
  summary.textContent = `${detection.name} at ${detection.site}: mean ${fmt(detection.mean)}, max ${fmt(detection.max)}, threshold ${fmt(detection.threshold)}${verdict}`;
  box.replaceChildren(cells, summary);
  box.dataset.state = 'done';
}

/** A heatmap that could not be made: the reason, as text. */
export function heatmapNote(box, state, text) {
  const p = document.createElement('p');
  p.className = 'note';
  p.textContent = text;
  box.replaceChildren(p);
  box.dataset.state = state;
}
