import { describe, expect, it } from 'vitest';
import type { Answer } from './skip-logic.ts';
import { displayIfForPhone, evaluateDisplayIf, skipLogicProblems } from './skip-logic.ts';

const q = (id: string, type: string, extra: Record<string, unknown> = {}) => ({
  question_id: id,
  question_text: `text of ${id}`,
  question_type: type,
  ...extra,
});

const base = [
  q('intro', 'info_text_box'),
  q('mood', 'slider', { min: 0, max: 10 }),
  q('sleep', 'radio_button', { answers: [{ text: 'bad' }, { text: 'ok' }, { text: 'good' }] }),
  q('symptoms', 'checkbox', { answers: [{ text: 'a' }, { text: 'b' }, { text: 'c' }] }),
  q('hours', 'free_response', { text_field_type: 'NUMERIC' }),
  q('notes', 'free_response', { text_field_type: 'MULTI_LINE_TEXT' }),
  q('when', 'date'),
];

const withLogic = (display_if: unknown) => [...base, q('last', 'info_text_box', { display_if })];
const problemsOf = (display_if: unknown) =>
  skipLogicProblems(withLogic(display_if)).map((p) => ({ path: p.path.join('.'), message: p.message }));

describe('skip logic validation (spec §7.2)', () => {
  it('accepts every operator on earlier numeric questions, with numbers or numeric strings', () => {
    const logic = {
      and: [
        { '<': ['mood', 5] },
        { '>': ['mood', '1'] },
        { '<=': ['hours', 8.5] },
        { '>=': ['sleep', 1] },
        { or: [{ '==': ['symptoms', 2] }, { '!=': ['sleep', 0] }] },
      ],
    };
    expect(problemsOf(logic)).toEqual([]);
    expect(problemsOf({ not: { and: [{ '<': ['mood', 5] }, { '!=': ['hours', '2'] }] } })).toEqual([]);
    expect(problemsOf(null)).toEqual([]);
    expect(skipLogicProblems(base)).toEqual([]);
  });

  it('names the question and the rule for a reference to a question that does not exist', () => {
    expect(problemsOf({ '==': ['ghost', 1] })).toEqual([
      {
        path: '7.display_if.==.0',
        message: 'question "last": refers to question "ghost", which is not in this survey',
      },
    ]);
  });

  it('refuses references to the question itself or to a later one', () => {
    const content = [
      q('first', 'slider', { min: 0, max: 5, display_if: { '>': ['second', 1] } }),
      q('second', 'slider', { min: 0, max: 5, display_if: { '>': ['second', 1] } }),
    ];
    const messages = skipLogicProblems(content).map((p) => [p.path.join('.'), p.message]);
    expect(messages).toEqual([
      [
        '0.display_if.>.0',
        'question "first": refers to question "second", which does not come before it: a question can only depend on earlier answers',
      ],
      [
        '1.display_if.>.0',
        'question "second": refers to question "second", which does not come before it: a question can only depend on earlier answers',
      ],
    ]);
  });

  it('refuses references to questions without a numeric answer', () => {
    for (const id of ['intro', 'notes', 'when']) {
      const [problem] = problemsOf({ '==': [id, 1] });
      expect(problem?.message).toMatch(
        new RegExp(`^question "last": refers to question "${id}", a .* question, whose answer is not a number`)
      );
    }
  });

  it('refuses unknown operators, empty blocks, several operators, and bad operands, each at its path', () => {
    const logic = {
      or: [
        { '=': ['mood', 1] },
        {},
        { '<': ['mood', 1], '>': ['mood', 2] },
        { and: [] },
        { '<': ['mood'] },
        { '>': ['mood', 'high'] },
        { '>=': ['mood', ''] },
        { and: ['mood'] },
        { '==': [3, 1] },
      ],
    };
    expect(problemsOf(logic)).toEqual([
      { path: '7.display_if.or.0.=', message: expect.stringContaining('unknown operator "="') as string },
      { path: '7.display_if.or.1', message: 'question "last": a logic block is empty: it needs one operator' },
      {
        path: '7.display_if.or.2',
        message: 'question "last": a logic block must have exactly one operator, found "<", ">"',
      },
      { path: '7.display_if.or.3.and', message: 'question "last": "and" needs a non-empty list of logic blocks' },
      { path: '7.display_if.or.4.<', message: 'question "last": "<" needs a list of two items: [question_id, value]' },
      { path: '7.display_if.or.5.>.1', message: 'question "last": the value to compare with must be a number' },
      { path: '7.display_if.or.6.>=.1', message: 'question "last": ">=" has no value to compare with' },
      {
        path: '7.display_if.or.7.and.0',
        message: expect.stringContaining('a logic block must be an object') as string,
      },
      {
        path: '7.display_if.or.8.==.0',
        message: 'question "last": the first item must be the id of an earlier question',
      },
    ]);
  });

  it('refuses, naming the rule and why, what stops the iOS app and has no equivalent it understands', () => {
    expect(problemsOf({ '!=': ['symptoms', 1] })).toEqual([
      {
        path: '7.display_if.!=',
        message:
          'question "last": "!=" on checkbox question "symptoms" stops the iOS app, and no comparison it understands ' +
          'means "this box is not ticked": list the boxes that should show the question with "==" inside an "or"',
      },
    ]);
    expect(problemsOf({ and: [{ '<': ['mood', 5] }, { not: { '==': ['sleep', 1] } }] })).toEqual([
      {
        path: '7.display_if.and.1.not',
        message:
          'question "last": a "not" inside "and" stops the iOS app: put the "not" outermost, or use the opposite comparison',
      },
    ]);
    expect(problemsOf({ not: 'mood' })).toEqual([
      { path: '7.display_if.not', message: expect.stringContaining('a logic block must be an object') as string },
    ]);
    expect(problemsOf({ not: { not: { '==': ['sleep', 1] } } })).toEqual([
      { path: '7.display_if.not.not', message: 'question "last": a "not" of a "not" stops the iOS app: remove both' },
    ]);
  });
});

/**
 * What the iOS app evaluates without stopping (BWSkipStepNavigationRule.swift): one operator per
 * block; `and`/`or` items are blocks whose argument is a list; `not` wraps one such block;
 * comparisons are ==, <, <=, >, >= with a JSON number.
 */
function iosCanRead(node: unknown, insideList = false): boolean {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return false;
  const entries = Object.entries(node as Record<string, unknown>);
  if (entries.length !== 1) return false;
  const [op, arg] = entries[0]!;
  if (op === 'not') return !insideList && !Array.isArray(arg) && iosCanRead(arg) && !('not' in (arg as object));
  if (!Array.isArray(arg)) return false;
  const items = arg as unknown[];
  if (op === 'and' || op === 'or') return items.every((child) => iosCanRead(child, true));
  return ['==', '<', '<=', '>', '>='].includes(op) && typeof items[0] === 'string' && typeof items[1] === 'number';
}

describe('skip logic as phones download it', () => {
  const types = new Map(base.map((question) => [question.question_id, question.question_type]));
  const forPhone = (logic: unknown) => displayIfForPhone(logic, types);

  it('turns numeric strings into numbers and != on a number into "less or greater", everywhere in the tree', () => {
    const logic = {
      not: { and: [{ '>': ['mood', '1'] }, { or: [{ '!=': ['hours', '2.5'] }, { '==': ['symptoms', 0] }] }] },
    };
    expect(forPhone(logic)).toEqual({
      not: {
        and: [
          { '>': ['mood', 1] },
          { or: [{ or: [{ '<': ['hours', 2.5] }, { '>': ['hours', 2.5] }] }, { '==': ['symptoms', 0] }] },
        ],
      },
    });
    expect(iosCanRead(forPhone(logic))).toBe(true);
    expect(iosCanRead(logic)).toBe(false);
  });

  it('means on Android what the stored logic means, for every answer and no answer', () => {
    const logics = [
      { '!=': ['mood', 5] },
      { '!=': ['sleep', '1'] },
      { not: { '!=': ['hours', 3] } },
      { and: [{ '!=': ['mood', 2] }, { '>=': ['sleep', '1'] }] },
    ];
    const values = [undefined, -1, 0, 1, 2, 2.000001, 3, 5, 10];
    for (const logic of logics) {
      for (const mood of values) {
        for (const sleep of [undefined, 0, 1, 2]) {
          for (const hours of [undefined, 3, 3.5]) {
            const answers = new Map<string, Answer>();
            if (mood !== undefined) answers.set('mood', { kind: 'number', value: mood });
            if (sleep !== undefined) answers.set('sleep', { kind: 'number', value: sleep });
            if (hours !== undefined) answers.set('hours', { kind: 'number', value: hours });
            expect([logic, mood, sleep, hours, evaluateDisplayIf(forPhone(logic), answers)]).toEqual([
              logic,
              mood,
              sleep,
              hours,
              evaluateDisplayIf(logic, answers),
            ]);
          }
        }
        expect(iosCanRead(forPhone(logic))).toBe(true);
      }
    }
  });

  it('leaves logic without anything to rewrite as it is', () => {
    const logic = { or: [{ '<': ['mood', 5] }, { '==': ['symptoms', 2] }] };
    expect(forPhone(logic)).toEqual(logic);
    expect(forPhone(null)).toBeNull();
  });
});

describe('skip logic evaluation (Android JsonSkipLogic)', () => {
  const answers = new Map<string, Answer>([
    ['mood', { kind: 'number', value: 5 }],
    ['sleep', { kind: 'number', value: 1 }],
    ['symptoms', { kind: 'indices', values: [0, 2] }],
  ]);
  const shows = (logic: unknown) => evaluateDisplayIf(logic, answers);

  it('evaluates each comparator on a number', () => {
    expect([shows({ '<': ['mood', 6] }), shows({ '<': ['mood', 5] })]).toEqual([true, false]);
    expect([shows({ '>': ['mood', 4] }), shows({ '>': ['mood', 5] })]).toEqual([true, false]);
    expect([shows({ '<=': ['mood', 5] }), shows({ '<=': ['mood', 4] })]).toEqual([true, false]);
    expect([shows({ '>=': ['mood', 5] }), shows({ '>=': ['mood', 6] })]).toEqual([true, false]);
    expect([shows({ '==': ['mood', '5'] }), shows({ '==': ['mood', 4] })]).toEqual([true, false]);
    expect([shows({ '!=': ['mood', 4] }), shows({ '!=': ['mood', 5] })]).toEqual([true, false]);
    // Doubles within Android's relative tolerance are equal.
    expect(shows({ '==': ['mood', 5.000001] })).toBe(true);
  });

  it('compares a radio button on the selected index', () => {
    expect([shows({ '==': ['sleep', 1] }), shows({ '==': ['sleep', 2] })]).toEqual([true, false]);
  });

  it('treats a checkbox == as "ticked", != as "not ticked", and the others as "any ticked index"', () => {
    expect([shows({ '==': ['symptoms', 2] }), shows({ '==': ['symptoms', 1] })]).toEqual([true, false]);
    expect([shows({ '!=': ['symptoms', 1] }), shows({ '!=': ['symptoms', 0] })]).toEqual([true, false]);
    expect([shows({ '<': ['symptoms', 1] }), shows({ '>': ['symptoms', 2] })]).toEqual([true, false]);
    expect([shows({ '>=': ['symptoms', 2] }), shows({ '<=': ['symptoms', -1] })]).toEqual([true, false]);
  });

  it('combines with and, or and not', () => {
    expect(shows({ and: [{ '==': ['mood', 5] }, { '==': ['sleep', 1] }] })).toBe(true);
    expect(shows({ and: [{ '==': ['mood', 5] }, { '==': ['sleep', 0] }] })).toBe(false);
    expect(shows({ or: [{ '==': ['mood', 1] }, { '==': ['sleep', 1] }] })).toBe(true);
    expect(shows({ or: [{ '==': ['mood', 1] }, { '==': ['sleep', 0] }] })).toBe(false);
    expect(shows({ not: { '==': ['mood', 5] } })).toBe(false);
  });

  it('evaluates a comparison with an unanswered question as false, whatever the operator', () => {
    for (const op of ['<', '>', '<=', '>=', '==', '!=']) {
      expect([op, shows({ [op]: ['hours', 3] })]).toEqual([op, false]);
    }
    // An empty checkbox answer is unanswered too; `not` inverts the false.
    expect(evaluateDisplayIf({ '!=': ['c', 1] }, new Map([['c', { kind: 'indices', values: [] }]]))).toBe(false);
    expect(shows({ not: { '==': ['hours', 3] } })).toBe(true);
  });

  it('always shows a question without logic', () => {
    expect([shows(null), shows(undefined), shows({})]).toEqual([true, true, true]);
  });
});
