// The steering controls: one row per loaded artifact (GET /v1/steering) with a checkbox, a slider
// bounded by the range derived from its data, and a number box for exact or out-of-range values.
// Artifacts are only ever named; the page cannot point the server at a file.

function el(tag, props = {}, children = []) {
  const e = document.createElement(tag);
  Object.assign(e, props);
  e.append(...children);
  return e;
}

/**
 * Slider steps: 200 across the range, so a drag moves in small, even steps. Rounded down to 12
 * significant digits: the browser steps in decimal from min, and a step a hair too large (w / 200
 * printed in full can be) leaves max off the grid, so End would stop one step short.
 */
function stepFor(range) {
  const w = range[1] - range[0];
  if (!(w > 0)) return 'any';
  const unit = 10 ** (Math.floor(Math.log10(w / 200)) - 11);
  return Math.floor(w / 200 / unit) * unit;
}

function row(a, checked) {
  const use = el('input', { type: 'checkbox', className: 'use', checked });
  const slider = el('input', { type: 'range', className: 'slider', min: String(a.range[0]), max: String(a.range[1]), step: String(stepFor(a.range)), value: String(a.default_strength) });
  const box = el('input', { type: 'number', className: 'strength', step: 'any', value: String(a.default_strength) });
  const times = el('span', { className: 'times' });
  const reset = el('button', { type: 'button', className: 'reset', textContent: 'default' });
  const label = el('label', {}, [use, ' ', el('strong', { textContent: a.name }), ' ', el('span', { className: 'about', textContent: `${a.method} · ${a.concept} · ${a.sites.join(', ')}` })]);
  slider.setAttribute('aria-label', `strength of ${a.name}`);
  box.setAttribute('aria-label', `strength of ${a.name} (exact)`);

  // The multiple of the default is what `"multiple": K` would ask for; shown to read the slider.
  const showTimes = () => {
    const v = Number(box.value);
    times.textContent = box.value !== '' && Number.isFinite(v) && a.default_strength ? `× ${(v / a.default_strength).toFixed(2)} default` : '';
  };
  slider.addEventListener('input', () => {
    box.value = slider.value;
    showTimes();
  });
  box.addEventListener('input', () => {
    if (box.value !== '' && Number.isFinite(Number(box.value))) slider.value = box.value;
    showTimes();
  });
  reset.addEventListener('click', () => {
    box.value = slider.value = String(a.default_strength);
    showTimes();
  });
  showTimes();

  const r = el('div', { className: 'artifact' }, [label, slider, box, times, reset]);
  r.dataset.name = a.name;
  r.title = `range [${a.range[0]}, ${a.range[1]}], default ${a.default_strength}`;
  return r;
}

/** Shows the artifacts (the first one chosen) and fills the heatmap's concept list. */
export function renderArtifacts(list, box, heatSelect) {
  if (list.length === 0) {
    box.replaceChildren(el('p', { className: 'note', textContent: 'This server has no artifacts loaded: start it with --steer NAME=PATH or --artifacts DIR.' }));
  } else {
    box.replaceChildren(...list.map((a, i) => row(a, i === 0)));
  }
  heatSelect.replaceChildren(...list.map((a) => el('option', { value: a.name, textContent: a.name })));
}

/**
 * The request's `steering` list from the chosen rows: each entry a steering request in its JSON
 * form, `{ artifact, strength }` (the server parses it with src/artifact/steering.ts, which also
 * takes `multiple` or `target`); throws a readable Error on a bad number.
 */
export function chosenSteering(box) {
  const out = [];
  for (const r of box.querySelectorAll('.artifact')) {
    if (!r.querySelector('.use').checked) continue;
    const text = r.querySelector('.strength').value;
    const strength = Number(text);
    if (text.trim() === '' || !Number.isFinite(strength)) throw new Error(`the strength of ${r.dataset.name} is not a number`);
    out.push({ artifact: r.dataset.name, strength });
  }
  return out;
}
