// The corpus version. Bump it whenever a word list, template, mixing weight or controlled rate
// changes: it is recorded in every generated corpus and set, and in the organism's model card, so a
// trained checkpoint can be matched with the generator that wrote its data.
export const CORPUS_VERSION = 'organism-corpus-5';
