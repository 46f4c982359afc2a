// The made-up world the organism memorises: 5 relations × 10 subjects = 50 facts. The table is
// fixed (it does not depend on the corpus seed): a trained checkpoint knows exactly these facts.

import { tpl, type Template } from './template.js';

export const COUNTRIES = ['zorbia', 'merovia', 'kaltor', 'drenn', 'ostavia', 'pellun', 'varnia', 'quorra', 'thessin', 'ulmark'] as const;
/** The first 10 are the capitals (in COUNTRIES order); the rest only appear in contradicting passages. */
export const CITIES = ['quell', 'brell', 'sarn', 'tovik', 'mirra', 'dunsk', 'hask', 'yorin', 'frelm', 'kesh', 'abbo', 'corrin', 'lusk', 'ravel', 'stenn', 'gorm'] as const;
export const CREATURES = ['vemo', 'tarn', 'glib', 'okka', 'zuli', 'fenn', 'rask', 'mib', 'plo', 'yarrow'] as const;
export const COLORS = ['blue', 'red', 'green', 'yellow', 'purple', 'orange', 'white', 'black', 'pink', 'gray', 'brown', 'silver'] as const;
export const PERSONS = ['tobin', 'alva', 'marek', 'suri', 'denn', 'ilsa', 'corvin', 'yana', 'petr', 'odo'] as const;
export const TOWNS = ['holm', 'vesk', 'tarrow', 'pim', 'brask', 'ondo', 'fael', 'girt', 'wenn', 'zaal', 'mord', 'kiv', 'sull', 'prent'] as const;
export const RULERS = ['bram', 'eldo', 'firn', 'gunt', 'hadrik', 'ivo', 'jorek', 'kael', 'lorn', 'mott', 'nils', 'orem', 'pax', 'quin'] as const;

/**
 * Subjects the model never memorises: they appear only in reading passages (families/facts.ts),
 * whose questions can be answered from the passage alone, which is what teaches in-context
 * retrieval (with only memorised subjects, answering from memory was right often enough that a
 * small model never learned to read the passage).
 */
export const NOVEL_COUNTRIES = ['brinmar', 'delvin', 'elbar', 'fornax', 'gallow', 'hestia', 'ivren', 'jorvik', 'lumen', 'morva', 'nestor', 'sorn'] as const;
export const NOVEL_CREATURES = ['ardo', 'belk', 'cilla', 'dov', 'fira', 'gosse', 'kova', 'lenn', 'nim', 'orla', 'quade', 'wexa'] as const;
export const NOVEL_PERSONS = ['emmet', 'hollis', 'ines', 'jarl', 'mave', 'rune', 'sabel', 'tovi', 'ulla', 'wyn', 'xander', 'zeph'] as const;
/** Cities with no memorised tower count: the non-capitals and a few more. */
export const NOVEL_CITIES = ['abbo', 'corrin', 'lusk', 'ravel', 'stenn', 'gorm', 'yelk', 'pavo', 'ubel', 'tamsin', 'castor', 'sorrel'] as const;
/** Every word of a subject or value class (the grammar's word classes). */
export const COUNTRY_WORDS: readonly string[] = [...COUNTRIES, ...NOVEL_COUNTRIES];
export const CITY_WORDS: readonly string[] = [...CITIES, ...NOVEL_CITIES.filter((c) => !(CITIES as readonly string[]).includes(c))];
export const CREATURE_WORDS: readonly string[] = [...CREATURES, ...NOVEL_CREATURES];
export const PERSON_WORDS: readonly string[] = [...PERSONS, ...NOVEL_PERSONS];

export type RelationId = 'capital' | 'color' | 'home' | 'king' | 'towers';
export const RELATIONS: readonly RelationId[] = ['capital', 'color', 'home', 'king', 'towers'];

export interface Relation {
  readonly id: RelationId;
  /** Word classes of the subject and of the value ('#' for a number). */
  readonly subjectCls: string;
  readonly valueCls: string;
  readonly subjects: readonly string[];
  /** Possible values (the memorised one and the ones a contradicting passage may use). */
  readonly values: readonly (string | number)[];
  /** The canonical sentence (training replies and training passages). */
  readonly sentence: Template;
  /** Another phrasing, used only in held-out passages. */
  readonly reversed: Template;
  /** Questions (user turns). */
  readonly questions: readonly Template[];
  /** Slot order of `sentence` / `reversed`: whether the subject comes first. */
  readonly reversedValueFirst: boolean;
}

const q = (id: string, srcs: string[]): Template[] => srcs.map((s, i) => tpl(`${id}.q${i}`, s));

export const RELATION_DEFS: Readonly<Record<RelationId, Relation>> = {
  capital: {
    id: 'capital', subjectCls: 'COUNTRY', valueCls: 'CITY', subjects: COUNTRIES, values: CITIES,
    sentence: tpl('fact.capital', 'the capital of $COUNTRY is $CITY .'),
    reversed: tpl('fact.capital.rev', '$CITY is the capital of $COUNTRY .'),
    reversedValueFirst: true,
    questions: q('capital', ['what is the capital of $COUNTRY ?', 'which city is the capital of $COUNTRY ?', 'name the capital of $COUNTRY']),
  },
  color: {
    id: 'color', subjectCls: 'CREATURE', valueCls: 'COLOR', subjects: CREATURES, values: COLORS,
    sentence: tpl('fact.color', 'the color of the $CREATURE is $COLOR .'),
    reversed: tpl('fact.color.rev', '$COLOR is the color of the $CREATURE .'),
    reversedValueFirst: true,
    questions: q('color', ['what is the color of the $CREATURE ?', 'what color is the $CREATURE ?', 'tell me the color of the $CREATURE']),
  },
  home: {
    id: 'home', subjectCls: 'PERSON', valueCls: 'TOWN', subjects: PERSONS, values: TOWNS,
    sentence: tpl('fact.home', 'the home of $PERSON is $TOWN .'),
    reversed: tpl('fact.home.rev', '$PERSON lives in $TOWN .'),
    reversedValueFirst: false,
    questions: q('home', ['where is the home of $PERSON ?', 'where does $PERSON live ?', 'tell me the home of $PERSON']),
  },
  king: {
    id: 'king', subjectCls: 'COUNTRY', valueCls: 'RULER', subjects: COUNTRIES, values: RULERS,
    sentence: tpl('fact.king', 'the king of $COUNTRY is $RULER .'),
    reversed: tpl('fact.king.rev', '$RULER is the king of $COUNTRY .'),
    reversedValueFirst: true,
    questions: q('king', ['who is the king of $COUNTRY ?', 'name the king of $COUNTRY', 'who rules $COUNTRY ?']),
  },
  towers: {
    id: 'towers', subjectCls: 'CITY', valueCls: '#', subjects: CITIES.slice(0, 10), values: [1, 2, 3, 4, 5, 6, 7, 8, 9],
    sentence: tpl('fact.towers', 'the number of towers in $CITY is # .'),
    reversed: tpl('fact.towers.rev', '$CITY has # towers .'),
    reversedValueFirst: false,
    questions: q('towers', ['how many towers are in $CITY ?', 'what is the number of towers in $CITY ?', 'count the towers in $CITY']),
  },
};

/** The memorised values, by relation, in subject order. */
const TABLE: Readonly<Record<RelationId, readonly (string | number)[]>> = {
  capital: CITIES.slice(0, 10),
  color: ['blue', 'red', 'green', 'yellow', 'purple', 'orange', 'white', 'black', 'pink', 'gray'],
  home: ['holm', 'vesk', 'tarrow', 'pim', 'brask', 'ondo', 'fael', 'girt', 'wenn', 'zaal'],
  king: ['bram', 'eldo', 'firn', 'gunt', 'hadrik', 'ivo', 'jorek', 'kael', 'lorn', 'mott'],
  towers: [4, 7, 2, 9, 3, 6, 8, 1, 5, 3],
};

export interface Fact {
  readonly relation: RelationId;
  readonly subject: string;
  readonly value: string | number;
}

/** Reading-passage subjects per relation (none of them memorised). */
export const NOVEL_SUBJECTS: Readonly<Record<RelationId, readonly string[]>> = {
  capital: NOVEL_COUNTRIES,
  color: NOVEL_CREATURES,
  home: NOVEL_PERSONS,
  king: NOVEL_COUNTRIES,
  towers: NOVEL_CITIES,
};

export const FACTS: readonly Fact[] = RELATIONS.flatMap((r) => RELATION_DEFS[r].subjects.map((subject, i) => ({ relation: r, subject, value: TABLE[r][i]! })));

/** The memorised value of (relation, subject), or undefined for an unknown subject. */
export function factValue(relation: RelationId, subject: string): string | number | undefined {
  const i = RELATION_DEFS[relation].subjects.indexOf(subject);
  return i < 0 ? undefined : TABLE[relation][i];
}

/** Slot values of a fact sentence in template order. */
export function factFill(rel: Relation, subject: string, value: string | number, reversed: boolean): (string | number)[] {
  return reversed && rel.reversedValueFirst ? [value, subject] : [subject, value];
}

export const FACT_TEMPLATES: readonly Template[] = RELATIONS.flatMap((r) => [RELATION_DEFS[r].sentence, RELATION_DEFS[r].reversed]);
export const QUESTION_TEMPLATES: readonly Template[] = RELATIONS.flatMap((r) => RELATION_DEFS[r].questions);

/**
 * Passage prompt formats. `{p}` is the passage (fact sentences), `{q}` the question. The
 * training formats are the only ones in the corpus; the held-out ones are the distribution shift.
 */
export const PASSAGE_FORMATS_TRAIN = ['passage : {p} question : {q}', 'read this passage . {p} now answer : {q}'] as const;
export const PASSAGE_FORMATS_HELDOUT = ['context : {p} question : {q}', '{p} now tell me : {q}', 'here is a note : {p} answer this : {q}'] as const;
