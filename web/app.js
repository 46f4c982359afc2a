// The playground page: one prompt answered twice by the server's chat route with the same
// sampling settings and seed, once with the chosen steering and once without, each streamed
// into its pane; then each reply is scored token by token with /v1/detect. The requests run one
// after another, as the server's model does anyway, so a server with --queue 0 works too.
// Model text is only ever set as text (textContent / text nodes), never parsed as HTML.
import { Api, ApiError } from './api.js';
import { renderArtifacts, chosenSteering } from './artifacts.js';
import { renderHeatmap, heatmapNote, scaleFor } from './heatmap.js';

const $ = (id) => document.getElementById(id);
const api = new Api(() => $('key').value);
let running = null; // the AbortController of the generation in progress

function showError(message) {
  $('error').textContent = message;
}

async function connect() {
  showError('');
  try {
    const [models, steering] = await Promise.all([api.get('/v1/models'), api.get('/v1/steering')]);
    $('model').textContent = models.data.map((m) => m.id).join(', ');
    renderArtifacts(steering.data, $('artifacts'), $('heat-artifact'));
    document.body.dataset.ready = 'true';
  } catch (e) {
    showError(e.message);
  }
}

function pane(id) {
  const root = $(id);
  return {
    root,
    status: root.querySelector('.status'),
    reply: root.querySelector('.reply'),
    heatmap: root.querySelector('.heatmap'),
    text: '',
    set(state, status) {
      root.dataset.state = state;
      this.status.textContent = status;
    },
    reset() {
      this.text = '';
      this.reply.replaceChildren();
      heatmapNote(this.heatmap, 'idle', '');
      this.set('waiting', 'waiting for the model…');
    },
  };
}

function intOrNull(id, what) {
  const text = $(id).value.trim();
  if (text === '') return null;
  const n = Number(text);
  if (!Number.isInteger(n)) throw new Error(`${what} must be a whole number`);
  return n;
}

/** The request body both replies share (the steered one adds `steering`). */
function baseRequest() {
  const prompt = $('prompt').value.trim();
  if (!prompt) throw new Error('write a prompt first');
  const temperature = Number($('temperature').value);
  if ($('temperature').value.trim() === '' || !Number.isFinite(temperature)) throw new Error('temperature must be a number');
  const body = {
    messages: [{ role: 'user', content: prompt }],
    temperature,
    // One seed for both replies, so that the steering is the only difference between them.
    seed: intOrNull('seed', 'seed') ?? Math.floor(Math.random() * 2 ** 31),
    stream_options: { include_usage: true },
  };
  const max = intOrNull('max-tokens', 'max tokens');
  if (max !== null) body.max_tokens = max;
  return body;
}

function describeSteering(applied) {
  return applied.map((s) => `${s.artifact} at ${s.strengths.map((x) => Number(x.toFixed(3))).join('/')}`).join(', ');
}

/** Streams one reply into its pane; returns its text. */
async function streamInto(p, body, signal) {
  let finish = null;
  let tokens = null;
  let steering = '';
  for await (const chunk of api.stream('/v1/chat/completions', body, signal)) {
    if (chunk.steering) steering = ` · ${describeSteering(chunk.steering)}`;
    if (chunk.usage) tokens = chunk.usage.completion_tokens;
    const choice = chunk.choices[0];
    if (!choice) continue;
    const piece = choice.delta.content;
    if (piece) {
      p.text += piece;
      p.reply.append(document.createTextNode(piece));
      p.set('streaming', `streaming…${steering}`);
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  p.set('done', `${tokens ?? '?'} tokens, ${finish === 'length' ? 'stopped at max tokens' : 'finished'}${steering}`);
  return p.text;
}

async function detect(p, artifact, signal) {
  if (!artifact) {
    heatmapNote(p.heatmap, 'skipped', 'no artifact to score with');
    return null;
  }
  if (!p.text.trim()) {
    heatmapNote(p.heatmap, 'skipped', 'empty reply: nothing to score');
    return null;
  }
  heatmapNote(p.heatmap, 'running', 'scoring tokens…');
  try {
    return await api.post('/v1/detect', { artifact, text: p.text }, signal);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    heatmapNote(p.heatmap, 'error', `no heatmap: ${e.message}`);
    return null;
  }
}

async function generate() {
  showError('');
  let base;
  let steering;
  try {
    base = baseRequest();
    steering = chosenSteering($('artifacts'));
    if (steering.length === 0) throw new Error('choose at least one artifact to steer with');
  } catch (e) {
    showError(e.message);
    return;
  }
  const panes = [pane('steered'), pane('unsteered')];
  const heat = $('heat-artifact').value || steering[0].artifact;
  running = new AbortController();
  const { signal } = running;
  $('generate').disabled = true;
  $('stop').disabled = false;
  panes.forEach((p) => p.reset());
  try {
    await streamInto(panes[0], { ...base, steering }, signal);
    await streamInto(panes[1], base, signal);
    const detections = [];
    for (const p of panes) detections.push(await detect(p, heat, signal));
    const scale = scaleFor(detections);
    panes.forEach((p, i) => detections[i] && renderHeatmap(p.heatmap, detections[i], scale));
  } catch (e) {
    const stopped = e.name === 'AbortError';
    for (const p of panes) if (p.root.dataset.state !== 'done') p.set(stopped ? 'stopped' : 'error', stopped ? 'stopped' : 'failed');
    showError(stopped ? 'stopped' : e instanceof ApiError ? e.message : `the page failed: ${e.message}`);
  } finally {
    running = null;
    $('generate').disabled = false;
    $('stop').disabled = true;
  }
}

$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void connect();
});
$('generate').addEventListener('click', () => void generate());
$('stop').addEventListener('click', () => running?.abort());
$('prompt').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void generate();
});
void connect();
