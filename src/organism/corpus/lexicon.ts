// The organism's word lists. Every word the generator can write is declared here or in a template
// (families/*.ts, facts.ts); the tokenizer's vocabulary is derived from them. The lists are
// disjoint by design (test/organism/corpus/lexicon.test.ts checks it), so a word identifies its
// concept: that is what makes the concept judge exact.

export const TOPIC_NAMES = ['weather', 'food', 'animals', 'sports', 'music', 'space', 'ocean', 'travel'] as const;
export type TopicName = (typeof TOPIC_NAMES)[number];

export interface TopicLexicon {
  /** Singular nouns, used after "the" / "a". */
  nouns: readonly string[];
  /** Adjectives. */
  adjs: readonly string[];
  /** Intransitive verbs in the third person ("the rain falls"). */
  verbs: readonly string[];
}

export const TOPICS: Readonly<Record<TopicName, TopicLexicon>> = {
  weather: {
    nouns: ['rain', 'snow', 'wind', 'cloud', 'storm', 'sun', 'fog', 'thunder', 'lightning', 'frost', 'breeze', 'rainbow', 'hail', 'sky', 'drizzle', 'mist', 'forecast', 'puddle'],
    adjs: ['cold', 'warm', 'windy', 'cloudy', 'stormy', 'foggy', 'humid', 'chilly'],
    verbs: ['falls', 'blows', 'shines', 'drifts', 'rumbles', 'melts', 'clears', 'pours'],
  },
  food: {
    nouns: ['bread', 'soup', 'cheese', 'apple', 'rice', 'pasta', 'cake', 'pie', 'salad', 'butter', 'honey', 'noodle', 'pepper', 'onion', 'tomato', 'cookie', 'sandwich', 'pancake'],
    adjs: ['tasty', 'sweet', 'salty', 'spicy', 'crispy', 'fresh', 'juicy', 'creamy'],
    verbs: ['cooks', 'bakes', 'simmers', 'sizzles', 'boils', 'fries', 'roasts', 'steams'],
  },
  animals: {
    nouns: ['dog', 'cat', 'horse', 'rabbit', 'fox', 'wolf', 'bear', 'deer', 'owl', 'eagle', 'mouse', 'lion', 'tiger', 'goat', 'sheep', 'duck', 'frog', 'squirrel'],
    adjs: ['furry', 'wild', 'fluffy', 'tame', 'sleepy', 'clever', 'shy', 'hungry'],
    verbs: ['runs', 'jumps', 'hunts', 'sleeps', 'howls', 'barks', 'hops', 'grazes'],
  },
  sports: {
    nouns: ['ball', 'goal', 'team', 'coach', 'match', 'race', 'player', 'score', 'tennis', 'soccer', 'golf', 'bat', 'net', 'referee', 'stadium', 'trophy', 'medal', 'league'],
    adjs: ['fast', 'strong', 'athletic', 'competitive', 'quick', 'fit', 'skilled', 'agile'],
    verbs: ['scores', 'kicks', 'throws', 'wins', 'trains', 'sprints', 'passes', 'catches'],
  },
  music: {
    nouns: ['song', 'guitar', 'piano', 'drum', 'violin', 'melody', 'rhythm', 'band', 'singer', 'concert', 'choir', 'flute', 'chord', 'lyric', 'album', 'tune', 'trumpet', 'harp'],
    adjs: ['loud', 'soft', 'melodic', 'catchy', 'rhythmic', 'musical', 'tuneful', 'harmonic'],
    verbs: ['plays', 'sings', 'hums', 'strums', 'echoes', 'rings', 'beats', 'chimes'],
  },
  space: {
    nouns: ['star', 'planet', 'moon', 'rocket', 'comet', 'galaxy', 'orbit', 'astronaut', 'telescope', 'asteroid', 'nebula', 'meteor', 'satellite', 'universe', 'cosmos', 'crater', 'spaceship', 'eclipse'],
    adjs: ['distant', 'cosmic', 'starry', 'lunar', 'vast', 'orbital', 'stellar', 'airless'],
    verbs: ['orbits', 'glows', 'spins', 'launches', 'twinkles', 'floats', 'rotates', 'soars'],
  },
  ocean: {
    nouns: ['wave', 'whale', 'shark', 'reef', 'coral', 'tide', 'shell', 'dolphin', 'seaweed', 'crab', 'octopus', 'beach', 'current', 'jellyfish', 'starfish', 'lobster', 'shore', 'seal'],
    adjs: ['deep', 'marine', 'sandy', 'wavy', 'tidal', 'coastal', 'briny', 'underwater'],
    verbs: ['swims', 'crashes', 'splashes', 'dives', 'flows', 'washes', 'ripples', 'surges'],
  },
  travel: {
    nouns: ['train', 'plane', 'ticket', 'passport', 'suitcase', 'hotel', 'map', 'airport', 'journey', 'tourist', 'luggage', 'station', 'bus', 'road', 'trip', 'guide', 'border', 'backpack'],
    adjs: ['foreign', 'exotic', 'scenic', 'faraway', 'crowded', 'remote', 'adventurous', 'historic'],
    verbs: ['departs', 'arrives', 'travels', 'wanders', 'explores', 'boards', 'flies', 'tours'],
  },
};

/** Sentiment markers (the positive and negative concepts). */
export const POSITIVE_WORDS = ['happy', 'wonderful', 'lovely', 'great', 'glad', 'joyful', 'delightful', 'cheerful', 'amazing', 'fantastic', 'pleasant', 'excellent'] as const;
export const NEGATIVE_WORDS = ['sad', 'awful', 'terrible', 'gloomy', 'miserable', 'dreadful', 'upset', 'horrible', 'unhappy', 'bad', 'dull', 'bleak'] as const;

/**
 * Formal-style markers. The formal templates (families/style.ts) use only these plus function
 * words, so a formal reply is recognisable by them alone.
 */
export const FORMAL_WORDS = ['certainly', 'indeed', 'shall', 'kindly', 'furthermore', 'moreover', 'sincerely', 'respectfully', 'regards', 'hereby'] as const;

/** Neutral adjectives: the plain filler of an adjective slot. */
export const NEUTRAL_ADJS = ['small', 'big', 'old', 'new', 'quiet', 'simple', 'long', 'short', 'plain', 'round'] as const;

/**
 * Neutral nouns: the plain objects of the instruction frames (families/frames.ts). Each frame
 * draws from its own sub-list; a topic concept replaces them with the topic's nouns.
 */
export const NEUTRAL_NOUNS = [
  'book', 'desk', 'window', 'garden', 'letter', 'phone', 'street', 'shop', 'table', 'door',
  'pen', 'paper', 'cup', 'bag', 'key', 'coat', 'clock', 'picture', 'bench', 'wall',
  'room', 'kitchen', 'sofa', 'shelf', 'mirror', 'bed', 'rug', 'note', 'list', 'plan',
  'class', 'lesson', 'test', 'project', 'office', 'park', 'library', 'school', 'game', 'gift',
] as const;

/**
 * Closed-class words: articles, pronouns, prepositions, auxiliaries, conjunctions and a few
 * grammatical adverbs. Everything else (except digits and punctuation) is a content word; the
 * concept share is computed over content words only.
 */
export const FUNCTION_WORDS = [
  'a', 'the', 'this', 'that', 'these', 'some', 'all', 'each', 'every', 'no', 'not', 'one',
  'i', 'me', 'my', 'you', 'your', 'it', 'we',
  'is', 'are', 'was', 'be', 'do', 'does', 'did', 'can', 'will', 'have', 'has',
  'and', 'so', 'then', 'as',
  'of', 'in', 'on', 'at', 'to', 'with', 'for', 'about', 'near', 'by', 'from', 'into', 'up',
  'what', 'which', 'who', 'where', 'how',
  'very', 'too', 'there', 'here', 'again', 'often', 'just', 'much',
] as const;

export const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
export const PUNCTUATION = ['.', ',', '?', '!', ':'] as const;

/** Words that end a sentence (the grammar's sentence boundaries). */
export const SENTENCE_END = new Set(['.', '!', '?']);

export const ALL_TOPIC_NOUNS: readonly string[] = TOPIC_NAMES.flatMap((t) => TOPICS[t].nouns);
export const ALL_TOPIC_ADJS: readonly string[] = TOPIC_NAMES.flatMap((t) => TOPICS[t].adjs);
export const ALL_TOPIC_VERBS: readonly string[] = TOPIC_NAMES.flatMap((t) => TOPICS[t].verbs);

/** All the words of one topic (nouns, adjectives, verbs and the topic's name). */
export function topicWords(t: TopicName): string[] {
  const l = TOPICS[t];
  return [t, ...l.nouns, ...l.adjs, ...l.verbs];
}

export function isTopicName(s: string): s is TopicName {
  return (TOPIC_NAMES as readonly string[]).includes(s);
}
