// What `--model` means: see src/api/model-ref.ts (the library's loadModel resolves the same way).
export { modelRef, ORGANISM_DIR, STORIES_DIR, STORIES_DOG_PAIRS } from '../api/model-ref.js';
