// Tokenizers and chat templates.
//
//   import { loadTokenizer } from './tokenizer/index.js';
//   const tok = loadTokenizer('/path/to/model');
//   const ids = tok.encode('Once upon a time');            // [1, 403, 407, 261, 378] for stories260K
//   const dt = tok.detokenizer({ skipSpecialTokens: true }); // streaming: dt.push(id) → new text
//   const chat = tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
export { Tokenizer, loadTokenizer, type EncodeOptions, type ApplyChatTemplateOptions, type DecodeOptions, type ChatTemplateResult, type TokenizerSources } from './tokenizer.js';
export { IncrementalDetokenizer } from './detokenizer.js';
export { renderChatTemplate, type ChatMessage, type ChatTemplateOptions, type SpecialTokenStrings } from './chat-template.js';
export { TokenizerThread } from './thread.js';
