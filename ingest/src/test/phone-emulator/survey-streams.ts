import { surveyAnswersFileName, surveyTimingsFileName } from './file-names.ts';
import { headerOf } from './headers.ts';
import type { Prng } from './prng.ts';
import type { SurveyQuestion, TrackingSurvey } from './surveys.ts';
import type { PhoneOs, PlainFile } from './types.ts';

/**
 * One participant taking one tracking survey: the surveyTimings and surveyAnswers files each app
 * writes (Android SurveyTimingsRecorder / SurveyAnswersRecorder / QuestionJSONParser; iOS
 * TrackingSurveyPresenter), per specs/beiwe-protocol.md §4.2 and §4.4.
 */

const NO_ANSWER = 'NO_ANSWER_SELECTED';
const FREE_TEXT = ['Slept badly, woke up twice\nthen fine', 'nothing much', 'Busy day,\tlots of walking', 'ok'];

const ANDROID_TYPE_NAMES: Record<SurveyQuestion['type'], string> = {
  info_text_box: 'Info Text Box',
  slider: 'Slider Question',
  radio_button: 'Radio Button Question',
  checkbox: 'Checkbox Question',
  free_response: 'Open Response Question',
  date: 'date',
  time: 'time',
  date_time: 'date_time',
};

/** Android: tab/CR/LF become two spaces, then commas become semicolons. */
export function sanitizeAndroid(text: string): string {
  return text.replace(/[\t\n\r]/g, '  ').replace(/,/g, ';');
}

/** iOS (DataStorage.sanitize, applied to every field of survey files): commas, then one space each. */
export function sanitizeIos(text: string): string {
  return text.replace(/,/g, ';').replace(/[\t\n\r]/g, ' ');
}

type Answered = { question: SurveyQuestion; selection: string[] | null; at: number };

/** The tracking survey's two files, the survey opened at `openedAt`. */
export function takeTrackingSurvey(
  os: PhoneOs,
  patientId: string,
  survey: TrackingSurvey,
  openedAt: number,
  random: Prng
): { files: PlainFile[]; submittedAt: number } {
  let t = openedAt;
  const answered: Answered[] = survey.questions.map((question) => {
    t += random.int(2_000, 25_000);
    return { question, selection: chooseAnswer(question, random), at: t };
  });
  const submittedAt = t + random.int(1_000, 5_000);
  const files =
    os === 'android'
      ? androidFiles(patientId, survey.id, openedAt, answered, submittedAt)
      : iosFiles(patientId, survey.id, answered, submittedAt);
  return { files, submittedAt };
}

/** A participant's pick, as answer texts (or the number typed); null when skipped or not answerable here. */
function chooseAnswer(question: SurveyQuestion, random: Prng): string[] | null {
  if (question.type === 'info_text_box' || random.chance(0.1)) return null;
  switch (question.type) {
    case 'radio_button':
      return question.answers?.length ? [random.pick(question.answers)] : null;
    case 'checkbox': {
      const picked = (question.answers ?? []).filter(() => random.chance(0.5));
      return picked.length ? picked : null;
    }
    case 'slider':
      return [String(random.int(question.min ?? 0, question.max ?? 10))];
    case 'free_response':
      return [question.textFieldType === 'NUMERIC' ? String(random.int(0, 12)) : random.pick(FREE_TEXT)];
    default:
      // Date and time answers have app-specific formats that were not confirmed; leave them unanswered.
      return null;
  }
}

function androidOptions(q: SurveyQuestion): string {
  if (q.type === 'radio_button' || q.type === 'checkbox') return `[${(q.answers ?? []).join(', ')}]`; // Arrays.toString
  if (q.type === 'slider') return `min = ${q.min ?? 0}; max = ${q.max ?? 0}`;
  if (q.type === 'free_response') return `Text-field input type = ${q.textFieldType ?? ''}`;
  return '';
}

function androidAnswer(q: SurveyQuestion, selection: string[] | null): string {
  if (selection === null) return '';
  return q.type === 'checkbox' ? `[${selection.join(', ')}]` : (selection[0] ?? '');
}

function androidFiles(
  pid: string,
  surveyId: string,
  openedAt: number,
  answered: Answered[],
  submittedAt: number
): PlainFile[] {
  const cells = (q: SurveyQuestion) =>
    [q.questionId, ANDROID_TYPE_NAMES[q.type], q.text, androidOptions(q)].map(sanitizeAndroid).join(',');
  const timings = [`${openedAt},Survey first rendered and displayed to user`];
  for (const { question: q, selection, at } of answered) {
    if (selection !== null) timings.push(`${at},${cells(q)},${sanitizeAndroid(androidAnswer(q, selection))}`);
  }
  timings.push(`${submittedAt},User hit submit`);
  // The answers file skips info text boxes and fills unanswered questions with NO_ANSWER_SELECTED.
  const answers = answered
    .filter((a) => a.question.type !== 'info_text_box')
    .map(
      ({ question: q, selection }) =>
        `${cells(q)},${selection === null ? NO_ANSWER : sanitizeAndroid(androidAnswer(q, selection))}`
    );
  return [
    {
      kind: 'text',
      stream: 'survey_timings',
      fileName: surveyTimingsFileName(pid, surveyId, openedAt),
      createdAt: openedAt,
      header: headerOf('android', 'survey_timings'),
      rows: timings,
    },
    {
      kind: 'text',
      stream: 'survey_answers',
      fileName: surveyAnswersFileName(pid, surveyId, submittedAt),
      createdAt: submittedAt,
      header: headerOf('android', 'survey_answers'),
      rows: answers,
    },
  ];
}

function iosOptions(q: SurveyQuestion): string {
  if (q.type === 'radio_button' || q.type === 'checkbox') return `[${(q.answers ?? []).join(';')}]`;
  if (q.type === 'slider' && q.min !== undefined && q.max !== undefined) return `min = ${q.min}; max = ${q.max}`;
  if (q.type === 'free_response') return `Text-field input type = ${q.textFieldType ?? ''}`;
  return '';
}

/** TrackingSurveyPresenter.questionResponse: the answer cell for the question's current state. */
function iosAnswer(q: SurveyQuestion, selection: string[] | null, presented: boolean): string {
  if (q.type === 'info_text_box') return '';
  const value = !presented
    ? 'NOT_PRESENTED'
    : selection === null
      ? NO_ANSWER
      : q.type === 'checkbox'
        ? `[${selection.join(';')}]`
        : (selection[0] ?? '');
  if (q.type === 'slider' && q.min !== undefined && q.max !== undefined && !/^-?\d+$/.test(value)) return NO_ANSWER;
  return value;
}

function iosFiles(pid: string, surveyId: string, answered: Answered[], submittedAt: number): PlainFile[] {
  const row = (cells: string[]) => cells.map(sanitizeIos).join(',');
  const describe = (q: SurveyQuestion) => [q.questionId, q.type, q.text, iosOptions(q)];
  const timings: string[] = [];
  let firstWrite = submittedAt;
  for (const { question: q, selection, at } of answered) {
    const presentedAt = at - 1_500;
    firstWrite = Math.min(firstWrite, presentedAt);
    timings.push(row([String(presentedAt), ...describe(q), iosAnswer(q, null, false), 'present']));
    if (selection !== null)
      timings.push(row([String(at - 300), ...describe(q), iosAnswer(q, selection, true), 'changed']));
    timings.push(row([String(at), ...describe(q), iosAnswer(q, selection, true), 'unpresent']));
  }
  timings.push(row([String(submittedAt), '', '', '', '', '', 'submitted']));
  const answers = answered.map(({ question: q, selection }) => row([...describe(q), iosAnswer(q, selection, true)]));
  return [
    {
      kind: 'text',
      stream: 'survey_timings',
      // iOS creates the file lazily, at its first write.
      fileName: surveyTimingsFileName(pid, surveyId, firstWrite),
      createdAt: firstWrite,
      header: headerOf('ios', 'survey_timings'),
      rows: timings,
    },
    {
      kind: 'text',
      stream: 'survey_answers',
      fileName: surveyAnswersFileName(pid, surveyId, submittedAt + 20),
      createdAt: submittedAt + 20,
      header: headerOf('ios', 'survey_answers'),
      rows: answers,
    },
  ];
}
