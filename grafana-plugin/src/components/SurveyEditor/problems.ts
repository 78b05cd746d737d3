import type { FieldProblem } from '../../api/client.ts';

/** Where the ingest's field problems (`content.2.answers.0.text`) are shown in a form. */

/** The problems at exactly this field, as one sentence for a Field's error. */
export function problemAt(problems: readonly FieldProblem[], field: string): string | undefined {
  const found = problems.filter((p) => p.field === field).map((p) => sentence(p.message));
  return found.length > 0 ? found.join(' ') : undefined;
}

/** The problems at this field or inside it. */
export function problemsUnder(problems: readonly FieldProblem[], prefix: string): FieldProblem[] {
  return problems.filter((p) => p.field === prefix || p.field.startsWith(`${prefix}.`));
}

/** "must be at least 1" as "Must be at least 1." */
export function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** The skip-logic checks name the question; shown at the question, that would say it twice. */
export const withoutQuestionName = (message: string) => message.replace(/^question "[^"]*": /, '');
