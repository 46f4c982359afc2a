// steerling: find, learn, evaluate and ship steering interventions for language models.
//
//   import { loadModel, train, generate, detect } from 'steerling';
//
// The friendly layer (src/api/: one file per area) comes first; the lower-level pieces it is
// built from follow, for work the friendly functions do not cover.

// ── The library API ─────────────────────────────────────────────────────────────────────────
export { loadModel, requireTokenizer, encodePrompt, stopIds, ORGANISM_DIR, STORIES_DIR, STORIES_DOG_PAIRS, type LoadedModel, type LoadOptions, type PromptOptions } from './api/model.js';
export { generate, generateDetailed, type GenerateTextOptions, type Generation } from './api/generate.js';
export { steer, steeringSummary, type SteerInput, type SteerOptions, type Steering } from './api/steer.js';
export { train, trainingData, checkTrainingData, artifactPath, ARTIFACT_SUFFIX, METHODS, type TrainOptions, type TrainData, type TrainingData, type SteeringMethod, type FitContext } from './api/train.js';
export { detect, type Detection, type DetectOptions } from './api/detect.js';
export { exportGguf, exportMerged, exportPeft, exportSources, type ExportInput, type ExportSource, type FoldOptions, type MergedExport, type MergeReport, type PeftReport, type ControlVector } from './api/export.js';
export { createServer, buildApp, ArtifactRegistry, type ServerOptions, type ServeOptions } from './api/serve.js';

// ── Tensor engine ───────────────────────────────────────────────────────────────────────────
export * from './tensor/index.js';
export { backendName, setBackend, withBackend } from './backend/registry.js';
export { Optimizer, SGD, AdamW, clipGradNorm, type SgdOptions, type AdamWOptions } from './nn/optim.js';
export { linearSchedule, cosineSchedule } from './nn/schedule.js';

// ── Models, tokenizers, token-level generation, chat ────────────────────────────────────────
export { DecoderModel, type ForwardOptions } from './models/decoder.js';
export { Hooks, parseSite, LAYER_SITES, type HookFn, type HookContext, type LayerSite, type ParsedSite } from './models/hooks.js';
export { Tokenizer, loadTokenizer, IncrementalDetokenizer } from './tokenizer/index.js';
export { resolveModel, findInCache, hubCacheDir, type ResolveOptions } from './io/resolve.js';
export type { ModelConfig } from './io/config.js';
export { generate as generateIds, generateSteps, type GenerateOptions, type GenerateResult, type FinishReason } from './generate/generate.js';
export type { SamplingOptions } from './generate/sampler.js';
export { ChatSession, type ChatOptions, type TurnResult } from './chat/session.js';

// ── Artifacts and interventions ─────────────────────────────────────────────────────────────
export { loadArtifact, saveArtifact } from './artifact/io.js';
export { artifactInterventions, checkArtifactFits, type UseOptions } from './artifact/apply.js';
export { parseSteerText, parseSteeringJson, checkSteering, resolveSteering, loadSteering, describeSteering, SteeringError, CLAMP_TARGETS, type SteeringRequest, type ClampTarget, type LoadedSteer } from './artifact/steering.js';
export type { Artifact, ArtifactMeta, InterventionRecord, TrainingFacts } from './artifact/artifact.js';
export * from './intervene/index.js';

// ── Steering methods and their data ─────────────────────────────────────────────────────────
export { method as methodByName, type MethodOption } from './methods/index.js';
export type { TrainingOptions, DirectionOptions, AblationOptions, CdasOptions, LineasOptions, RepsOptions, BipoOptions, Steer2EditOptions, SelectiveOptions, SaeFeatureOptions, YapoOptions } from './methods/index.js';
// Sparse autoencoders: train one (sae.trainSae / sae.runSae), measure, save and load it.
export * as sae from './sae/api.js';
export { collectActivations, type Reduce, type TokenizedExample } from './activations/collect.js';
export { tokenizeExamples, promptIds } from './activations/tokenize.js';
export { loadConceptData, parseConceptData, type ConceptData, type ConceptExample } from './data/concept-data.js';
export { loadContrastRows, parseContrastRows, type ContrastRow } from './methods/cdas/data.js';

// ── Detection and evaluation ────────────────────────────────────────────────────────────────
export { detectionDirection, classMeans } from './eval/detect.js';
export { detectionReport, detectionAuroc, maxProjectionScores, bestThresholdF1, chatTexts, type DetectionReport, type ScoredText } from './eval/concept-detection.js';
export { auroc } from './eval/auroc.js';
export { runAxBench, sweepUnit, AXBENCH_FACTORS, CDAS_FACTORS, type AxBenchOptions, type AxBenchResult, type AxBenchConceptSpec, type ConceptResult, type ConditionScore, type ReplyScore } from './eval/axbench.js';
export { runSpecificity, runSpecificityCurve, changeInterval, type SpecificityOptions, type SpecificityRow, type SpecificityCurveRow } from './eval/specificity.js';
export { ASPECTS, harmonicMean, RubricJudge, LocalModelJudge, EndpointJudge, JudgementCache, DEFAULT_JUDGE_CACHE, type Judge, type JudgeItem, type Judgement, type ReplyJudgement, type LocalModelJudgeOptions, type EndpointJudgeOptions } from './eval/judges/index.js';

// ── Exports (low level) ─────────────────────────────────────────────────────────────────────
export { toControlVector, additiveBlocks, controlVectorSites, LLAMA_CPP_ARCH } from './export/control-vector.js';
export { readGGUF, writeGGUF, encodeGGUF, decodeGGUF, type GGUFFile } from './export/gguf.js';
export { ablationDirection, writeOrthogonalised, writeBiasFolded } from './export/merged.js';
export { weightEditTerms, writeWeightEdited } from './export/weight-edits.js';
export { peftAdapter, writePeftAdapter } from './export/peft.js';

// ── Causal tracing ──────────────────────────────────────────────────────────────────────────
export * from './trace/index.js';

// ── The model organism ──────────────────────────────────────────────────────────────────────
export { trainOrganism, DEFAULT_TRAINING, type OrganismTrainOptions, type TrainingLog } from './organism/train.js';
export { measureOrganism, CARD_BAR, CARD_DEFAULT_N, type CardOptions, type CardFigures } from './organism/card.js';
export { runOrganismAxBench, organismConceptSpec, type OrganismAxBenchOptions } from './organism/axbench.js';
export { fitOnOrganism } from './organism/axbench-fit.js';
export { runOrganismSpecificity, runOrganismSpecificityCurve, organismSpecificity, SPECIFICITY_GROUPS } from './organism/specificity.js';
export { runClaims, CLAIM_TOPICS, renderClaims, claimsMarkdown, type ClaimsOptions, type ClaimsResult, type ClaimSection, type ClaimRow } from './organism/claims/index.js';
export { organismJudges, ExactJudge, conceptScore, isRefusal } from './organism/judges/index.js';
/** The organism's corpus: concepts, chats, topic pairs, JSONL writers (`corpus.topicPairs`, `corpus.writeJsonl`, ...). */
export * as corpus from './organism/corpus/index.js';
