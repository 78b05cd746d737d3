import type { Knex } from 'knex';
import type { Phone } from './phone-store.ts';

/**
 * The Android app's graph screen (`GraphActivity` loads `POST /graph` in a web view). Beiwe's
 * `fetch_graph` takes, for each of the study's surveys, the participant's last 7 submitted answer
 * files; the questions are those of the oldest of them, and each answer is its integer value or
 * null (Python's `int()`). Beiwe renders them with jqPlot from its own static files; Vigil serves
 * no such assets, so the page is self-contained: each question's text and its points.
 *
 * Where Beiwe fails, Vigil does not: Beiwe sorts the questions as Python dicts, which raises for a
 * survey with two or more questions (a 500), and an answer row whose question is not in the oldest
 * file raises too. Here questions keep their order in the file, and such rows are left out.
 */
const POINTS = 7;

export type GraphQuestion = { text: string; answers: (number | null)[] };
export type GraphSurvey = { surveyId: string; questions: GraphQuestion[] };

/** Python `int(str)`: optional spaces and sign, digits with single underscores between them. */
export function pythonInt(answer: string): number | null {
  const m = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/.exec(answer);
  if (!m) return null;
  const n = Number(`${m[1]}${m[2]!.replaceAll('_', '')}`);
  return Number.isSafeInteger(n) ? n : null;
}

type AnswerRow = { t: Date; question_id: string; question_text: string; answer: string };

export async function graphData(db: Knex, phone: Phone): Promise<GraphSurvey[]> {
  const surveys = (await db('surveys').where({ study_id: phone.studyId }).orderBy('id').pluck('object_id')) as string[];
  const out: GraphSurvey[] = [];
  for (const surveyId of surveys) {
    const times = (await db('survey_answers')
      .where({ participant_id: phone.participantId, survey_id: surveyId })
      .distinct('t')
      .orderBy('t', 'desc')
      .limit(POINTS)
      .pluck('t')) as Date[];
    if (times.length === 0) {
      out.push({ surveyId, questions: [] });
      continue;
    }
    const rows = (await db('survey_answers')
      .where({ participant_id: phone.participantId, survey_id: surveyId })
      .whereIn('t', times)
      .orderBy([{ column: 't' }, { column: 'row_index' }])
      .select('t', 'question_id', 'question_text', 'answer')) as AnswerRow[];
    const oldest = Math.min(...times.map((t) => t.getTime()));
    const questions = new Map<string, GraphQuestion>();
    for (const r of rows) {
      if (r.t.getTime() === oldest)
        questions.set(`${r.question_id}\n${r.question_text}`, { text: r.question_text, answers: [] });
    }
    for (const r of rows) questions.get(`${r.question_id}\n${r.question_text}`)?.answers.push(pythonInt(r.answer));
    out.push({ surveyId, questions: [...questions.values()] });
  }
  return out;
}

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function graphPage(surveys: readonly GraphSurvey[]): string {
  const sections = surveys.map((survey, i) => {
    const questions = survey.questions.map(
      (q, j) =>
        `<h5>Question ${j + 1}: ${escape(q.text)}</h5>\n<p class="points">${q.answers
          .map((a) => (a === null ? '–' : String(a)))
          .join(' · ')}</p>`
    );
    return `<h4>View question history for survey ${i + 1}</h4>\n${questions.join('\n')}`;
  });
  return `<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Rendered graph for user</title>
  </head>
  <body>
${sections.join('\n')}
  </body>
</html>
`;
}
