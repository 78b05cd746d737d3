/**
 * Survey skip logic (`display_if`, spec §7.2): validated as beiwe-backend's `libs/json_logic.py`
 * does, and evaluated as Android's `survey/JsonSkipLogic.kt` does.
 *
 * A logic block is an object with exactly one operator: `and`/`or` with a list of blocks, `not`
 * with one block, or a comparator with `[question_id, value]`.
 *
 * Beiwe's backend also lets through what the iOS app (`RK/BWSkipStepNavigationRule.swift`) stops on
 * with `fatalError`: `!=`, a comparison value that is a string, a `not` inside `and`/`or` (it
 * reads every item of the list as a block whose argument is a list) and a `not` of a `not`. What
 * has an equivalent the app understands is rewritten in what phones download
 * (`displayIfForPhone`); the rest is refused here, naming the rule and why.
 */

export const COMPARATORS = ['<', '>', '<=', '>=', '==', '!='] as const;
export type Comparator = (typeof COMPARATORS)[number];

export type LogicNode =
  | { and: LogicNode[] }
  | { or: LogicNode[] }
  | { not: LogicNode }
  | { [C in Comparator]: { [K in C]: [string, number | string] } }[Comparator];

export type Problem = { path: (string | number)[]; message: string };

/** Question types whose answer is a number: the only ones a comparison may refer to. */
const NUMERIC_TYPES = new Set(['slider', 'radio_button', 'checkbox', 'free_response']);

const isComparator = (op: string): op is Comparator => (COMPARATORS as readonly string[]).includes(op);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A comparison value: a JSON number, or a string both apps parse as one. */
export function numericValue(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

type QuestionFacts = { id: string; type: unknown; textFieldType: unknown };

/**
 * Every problem in every question's `display_if`, with paths relative to the content list. The
 * questions may be malformed (this runs beside the shape checks): anything unreadable is skipped.
 */
export function skipLogicProblems(questions: readonly unknown[]): Problem[] {
  const facts = questions.map((q): QuestionFacts | undefined =>
    isObject(q) && typeof q.question_id === 'string'
      ? { id: q.question_id, type: q.question_type, textFieldType: q.text_field_type }
      : undefined
  );
  const byId = new Map<string, QuestionFacts>();
  for (const f of facts) if (f && !byId.has(f.id)) byId.set(f.id, f);

  const problems: Problem[] = [];
  const earlier = new Set<string>();
  questions.forEach((question, index) => {
    const self = facts[index];
    if (isObject(question) && question.display_if !== undefined && question.display_if !== null) {
      const name = self ? `question ${JSON.stringify(self.id)}` : `question ${index + 1}`;
      const report = (path: (string | number)[], message: string) =>
        problems.push({ path: [index, 'display_if', ...path], message: `${name}: ${message}` });
      checkNode(question.display_if, [], { byId, earlier, report });
    }
    if (self) earlier.add(self.id);
  });
  return problems;
}

type Check = {
  byId: ReadonlyMap<string, QuestionFacts>;
  earlier: ReadonlySet<string>;
  report: (path: (string | number)[], message: string) => void;
};

function checkNode(node: unknown, path: (string | number)[], check: Check): void {
  if (!isObject(node)) {
    check.report(path, 'a logic block must be an object such as {"==": [question_id, value]}');
    return;
  }
  const operators = Object.keys(node);
  if (operators.length !== 1) {
    check.report(
      path,
      operators.length === 0
        ? 'a logic block is empty: it needs one operator'
        : `a logic block must have exactly one operator, found ${operators.map((o) => JSON.stringify(o)).join(', ')}`
    );
    return;
  }
  const op = operators[0]!;
  const arg = node[op];
  const at = [...path, op];
  if (op === 'and' || op === 'or') {
    if (!Array.isArray(arg) || arg.length === 0) check.report(at, `"${op}" needs a non-empty list of logic blocks`);
    else
      arg.forEach((child, i) => {
        if (isObject(child) && Object.keys(child).length === 1 && 'not' in child) {
          check.report(
            [...at, i, 'not'],
            `a "not" inside "${op}" stops the iOS app: put the "not" outermost, or use the opposite comparison`
          );
        } else checkNode(child, [...at, i], check);
      });
  } else if (op === 'not') {
    if (isObject(arg) && Object.keys(arg).length === 1 && 'not' in arg) {
      check.report([...at, 'not'], 'a "not" of a "not" stops the iOS app: remove both');
    } else checkNode(arg, at, check);
  } else if (isComparator(op)) {
    checkComparison(op, arg, at, check);
  } else {
    check.report(at, `unknown operator ${JSON.stringify(op)}: use and, or, not, <, >, <=, >=, == or !=`);
  }
}

function checkComparison(op: Comparator, arg: unknown, at: (string | number)[], check: Check): void {
  if (!Array.isArray(arg) || arg.length !== 2) {
    check.report(at, `"${op}" needs a list of two items: [question_id, value]`);
    return;
  }
  const [ref, value] = arg as [unknown, unknown];
  if (value === '' || value === null) check.report([...at, 1], `"${op}" has no value to compare with`);
  else if (numericValue(value) === undefined) check.report([...at, 1], `the value to compare with must be a number`);

  if (typeof ref !== 'string') {
    check.report([...at, 0], 'the first item must be the id of an earlier question');
    return;
  }
  const target = check.byId.get(ref);
  if (!target) {
    check.report([...at, 0], `refers to question ${JSON.stringify(ref)}, which is not in this survey`);
  } else if (!check.earlier.has(ref)) {
    check.report(
      [...at, 0],
      `refers to question ${JSON.stringify(ref)}, which does not come before it: a question can only depend on earlier answers`
    );
  } else if (op === '!=' && target.type === 'checkbox') {
    check.report(
      at,
      `"!=" on checkbox question ${JSON.stringify(ref)} stops the iOS app, and no comparison it understands means ` +
        '"this box is not ticked": list the boxes that should show the question with "==" inside an "or"'
    );
  } else if (
    !NUMERIC_TYPES.has(String(target.type)) ||
    (target.type === 'free_response' && target.textFieldType !== 'NUMERIC')
  ) {
    const kind =
      target.type === 'free_response' ? `free_response (${String(target.textFieldType)})` : String(target.type);
    check.report(
      [...at, 0],
      `refers to question ${JSON.stringify(ref)}, a ${kind} question, whose answer is not a number: ` +
        'compare only slider, radio_button, checkbox or NUMERIC free_response answers'
    );
  }
}

/**
 * A question's `display_if` as phones download it: comparison values that are numeric strings
 * become numbers, and `!=` on a slider, radio button or number becomes "less or greater", which
 * both apps evaluate as Android evaluates `!=` (an unanswered question makes both false). Logic
 * the checks above refuse never reaches here from Vigil; what is left unchanged.
 */
export function displayIfForPhone(logic: unknown, questionTypes: ReadonlyMap<string, unknown>): unknown {
  if (!isObject(logic) || Object.keys(logic).length !== 1) return logic;
  const [op, arg] = Object.entries(logic)[0]!;
  if ((op === 'and' || op === 'or') && Array.isArray(arg)) {
    return { [op]: arg.map((child) => displayIfForPhone(child, questionTypes)) };
  }
  if (op === 'not') return { not: displayIfForPhone(arg, questionTypes) };
  if (!isComparator(op) || !Array.isArray(arg) || arg.length !== 2) return logic;
  const [ref, raw] = arg as [unknown, unknown];
  const value = numericValue(raw) ?? raw;
  if (op === '!=' && typeof ref === 'string' && questionTypes.get(ref) !== 'checkbox') {
    return { or: [{ '<': [ref, value] }, { '>': [ref, value] }] };
  }
  return { [op]: [ref, value] };
}

/**
 * A participant's answer as skip logic sees it: a number (slider value, numeric text, or the index
 * of the chosen radio button), or the indices of the ticked checkboxes.
 */
export type Answer = { kind: 'number'; value: number } | { kind: 'indices'; values: readonly number[] };

/** Android compares doubles with a relative tolerance (`ANSWER_COMPARISON_EQUALITY_DELTA`). */
const EQUALITY_DELTA = 0.00001;
const isEqual = (a: number, b: number) =>
  a === b || EQUALITY_DELTA > Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));

/** Whether a question with this `display_if` is shown. A comparison with an unanswered question is false. */
export function evaluateDisplayIf(logic: unknown, answers: ReadonlyMap<string, Answer>): boolean {
  if (logic === null || logic === undefined || (isObject(logic) && Object.keys(logic).length === 0)) return true;
  return evaluate(logic as LogicNode, answers);
}

function evaluate(node: LogicNode, answers: ReadonlyMap<string, Answer>): boolean {
  const [op, arg] = Object.entries(node)[0] as [string, unknown];
  if (op === 'not') return !evaluate(arg as LogicNode, answers);
  if (op === 'and') return (arg as LogicNode[]).every((child) => evaluate(child, answers));
  if (op === 'or') return (arg as LogicNode[]).some((child) => evaluate(child, answers));
  const [ref, raw] = arg as [string, number | string];
  const answer = answers.get(ref);
  const target = numericValue(raw);
  if (answer === undefined || target === undefined || !isComparator(op)) return false;
  if (answer.kind === 'indices') {
    // A checkbox: == means "this index is ticked", != "not ticked"; the others hold if any ticked index satisfies them.
    if (answer.values.length === 0) return false;
    if (op === '==') return answer.values.includes(Math.trunc(target));
    if (op === '!=') return !answer.values.includes(Math.trunc(target));
    return answer.values.some((v) => compare(op, v, Math.trunc(target)));
  }
  return compare(op, answer.value, target);
}

function compare(op: Comparator, a: number, b: number): boolean {
  switch (op) {
    case '<':
      return a < b && !isEqual(a, b);
    case '>':
      return a > b && !isEqual(a, b);
    case '<=':
      return a <= b || isEqual(a, b);
    case '>=':
      return a >= b || isEqual(a, b);
    case '==':
      return isEqual(a, b);
    case '!=':
      return !isEqual(a, b);
  }
}
