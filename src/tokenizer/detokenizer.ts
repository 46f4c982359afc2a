// Streaming detokenization: turn a growing list of token ids into text pieces as they arrive.
//
//   const dt = tokenizer.detokenizer();
//   for (const id of generated) process.stdout.write(dt.push(id));
//   process.stdout.write(dt.flush());
//
// Decoding one token at a time is wrong in two ways: a character spread over several byte tokens
// (byte fallback, byte-level BPE) decodes to U+FFFD until its last byte arrives, and decoders that
// strip a leading space (SentencePiece) would drop the space of every word. So, as text-generation-
// inference does, we decode a short window that starts one emission back ("prefix") twice — with
// and without the new tokens — and emit the difference, holding it back while it ends in U+FFFD.
// Each step decodes a handful of tokens, so streaming costs O(1) per token, and the pieces
// concatenate to decode(all ids) for the decoders in use (checked by the tests).

export class IncrementalDetokenizer {
  private readonly ids: number[] = [];
  private prefixOffset = 0;
  private readOffset = 0;
  private emitted = '';

  constructor(private readonly decodeFn: (ids: number[]) => string) {}

  /** Adds token ids; returns the text they complete (possibly ''). */
  push(idOrIds: number | readonly number[]): string {
    if (typeof idOrIds === 'number') this.ids.push(idOrIds);
    else this.ids.push(...idOrIds);
    const prefixText = this.decodeFn(this.ids.slice(this.prefixOffset, this.readOffset));
    const newText = this.decodeFn(this.ids.slice(this.prefixOffset));
    if (newText.length > prefixText.length && !newText.endsWith('\uFFFD')) {
      const piece = newText.slice(prefixText.length);
      this.prefixOffset = this.readOffset;
      this.readOffset = this.ids.length;
      this.emitted += piece;
      return piece;
    }
    return '';
  }

  /** Emits whatever is held back (an incomplete character comes out as U+FFFD). */
  flush(): string {
    if (this.readOffset === this.ids.length) return '';
    const prefixText = this.decodeFn(this.ids.slice(this.prefixOffset, this.readOffset));
    const newText = this.decodeFn(this.ids.slice(this.prefixOffset));
    const piece = newText.length > prefixText.length ? newText.slice(prefixText.length) : '';
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
    this.emitted += piece;
    return piece;
  }

  /** All text emitted so far. */
  get text(): string {
    return this.emitted;
  }

  /** All ids pushed so far. */
  get tokenIds(): readonly number[] {
    return this.ids;
  }
}
