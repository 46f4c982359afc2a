// The model organism's data: a small chat world in a templated language whose grammar the
// generator knows (the README's "The model organism" section describes it).
//
//   const corpus = generateCorpus({ seed: 1 });               // ~85k chats, ~3M tokens
//   writeTokenizerFiles('models/organism');                    // tokenizer.json + config + template
//   await writeCorpus('organism-data', corpus);                // train.jsonl, heldout.jsonl, corpus.json
//   writeSets('organism-data/sets', 1, 'train');               // labelled sets to steer with ('eval': to measure)
export { CORPUS_VERSION } from './version.js';
export { type Chat, type ChatMeta, type Family, type Message, type Role, SYSTEM_PROMPTS, assistantText, userText } from './chat.js';
export { CONCEPTS, conceptClauses, conceptDescription, heldOutClauses, conceptTopic, conceptWords, isConceptId, type ConceptId, type TopicConcept } from './concepts.js';
export * as lexicon from './lexicon.js';
export { FACTS, RELATIONS, RELATION_DEFS, PASSAGE_FORMATS_HELDOUT, PASSAGE_FORMATS_TRAIN, factValue, type Fact, type RelationId } from './facts.js';
export { parseReply, words, type ParsedReply, type ParsedSentence } from './grammar.js';
export { analyzePrompt, type PromptAnalysis, type PromptInfo } from './prompt.js';
export {
  DEFAULT_HELDOUT_EXAMPLES, DEFAULT_RATES, DEFAULT_TRAIN_EXAMPLES, FAMILY_WEIGHTS, corpusStats, generateChats, generateCorpus, generateExample, heldOutOverlap,
  promptAndCompletion, trainingText, type Corpus, type CorpusOptions, type CorpusRates, type CorpusStats,
} from './corpus.js';
export {
  ASSISTANT, BOS, CHAT_TEMPLATE, END, EOS, PAD, SPECIAL_TOKENS, SYSTEM, UNK, USER, corpusWords, countTokens, formatChat, generationConfig, renderChat, specialTokensMap,
  tokenId, tokenizerConfig, tokenizerJson, vocabSize, vocabulary, writeTokenizerFiles,
} from './tokenizer.js';
export { chatRow, toJsonl, writeCorpus, writeJsonl } from './jsonl.js';
export {
  DEFAULT_SET_SIZES, TOPIC_PAIR_INTENSITY, backdoorSets, contrastivePairs, detectionSet, factSets, refusalSets, steeringInstructions, templated, topicPairs, writeSets,
  type ContrastiveRow, type TopicPairRow, type DetectionRow, type FactRow, type FactSets, type RefusalRow, type RefusalSets, type SetOptions, type SetSizes, type SteeringInstruction, type SumRow,
} from './sets.js';
export { SET_SPLITS, inSplit, requestOf, splitOf, type SetSplit } from './split.js';
export { FRAMES, frameById, frameReply, framePrompt, type Frame } from './families/frames.js';
export { REFUSAL, OVER_REFUSAL_RATE, JAILBREAK_REFUSAL_RATE, WRAPPERS_HELDOUT, WRAPPERS_TRAIN } from './families/refusal.js';
export { TRIGGER, BACKDOOR_OFFSET, SUM_RANGE } from './families/tasks.js';
export { FAITHFUL_RATE, CONTRADICT_RATE } from './families/facts.js';
