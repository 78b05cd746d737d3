import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { InvalidInputError } from '../errors.ts';
import type { Handle } from './beiwe-routes.ts';
import { participantFileHashes } from './file-hashes.ts';
import { notificationHistory } from './notification-history.ts';
import {
  deviceStatusHistory,
  heartbeatHistory,
  jsonListStream,
  shapeRecord,
  uploadHistory,
  versionHistory,
  type HistoryRecord,
} from './participant-history.ts';
import { keyParticipant, omitKeys } from './participant-request.ts';
import { participantTable, tableCsv } from './participant-table.ts';
import { keyStudy, textField } from './request.ts';
import { dataQuantities, interventionData, surveyHistory } from './study-data.ts';
import { parseSummaryQuery, summaryStatisticRows } from './summary-statistics-request.ts';

const JSON_TYPE = { 'content-type': 'application/json' };

async function* shaped(records: AsyncIterable<HistoryRecord> | Iterable<HistoryRecord>, omit: boolean) {
  for await (const r of records) yield shapeRecord(r, omit);
}

/**
 * Beiwe's other credentialed endpoints (beiwe-backend `endpoints/data_api_endpoints.py`, March
 * 2026, commit a59eeaa): study-wide JSON and per-participant histories, each behind the shared
 * authentication and audit of `dataAccessRoutes`. Study endpoints take `study_id`; participant
 * endpoints take `participant_id` and need no study, as in Beiwe.
 */
export function participantDataRoutes(deps: AppDeps, handle: Handle) {
  const { db, clock } = deps;
  return new Hono<AppEnv>()
    .post(
      '/check-my-credentials/v1',
      handle('check-my-credentials', (_form, _key, c) =>
        Promise.resolve({ response: c.text('The provided credentials are valid'), outcome: 'ok' })
      )
    )
    .post(
      '/get-participant-table-data/v1',
      handle('get-participant-table-data', async (form, key, c) => {
        const study = await keyStudy(db, key, form);
        const format = textField(form, 'data_format');
        if (format !== 'json' && format !== 'json_table' && format !== 'csv') {
          throw InvalidInputError.fromFields([
            {
              field: 'data_format',
              message: "Invalid required data_format parameter, only 'csv' and 'json' supported",
            },
          ]);
        }
        const table = await participantTable(db, study, clock(), format === 'csv' ? 'csv' : 'json');
        const outcome = `${table.rows.length} participants as ${format}`;
        if (format === 'csv') {
          return { response: c.body(tableCsv(table), 200, { 'content-type': 'text/csv' }), studyId: study.id, outcome };
        }
        const body =
          format === 'json'
            ? table.rows.map((row) => Object.fromEntries(table.columns.map((col, i) => [col, row[i]])))
            : [table.columns, ...table.rows];
        return { response: c.json(body), studyId: study.id, outcome };
      })
    )
    .post(
      '/get-participant-data-quantities/v1',
      handle('get-participant-data-quantities', async (form, key, c) => {
        const study = await keyStudy(db, key, form);
        return { response: c.json(await dataQuantities(db, study.id)), studyId: study.id, outcome: 'ok' };
      })
    )
    .post(
      '/get-interventions/v1',
      handle('get-interventions', async (form, key, c) => {
        const study = await keyStudy(db, key, form);
        return { response: c.json(await interventionData(db, study.id)), studyId: study.id, outcome: 'ok' };
      })
    )
    .post(
      '/get-survey-history/v1',
      handle('get-survey-history', async (form, key, c) => {
        const study = await keyStudy(db, key, form);
        const body = JSON.stringify(await surveyHistory(db, study.id));
        return {
          response: c.body(body, 200, {
            'content-type': 'text/json',
            'content-disposition': `attachment; filename="${study.objectId}_surveys_history_data.json"`,
          }),
          studyId: study.id,
          outcome: 'ok',
        };
      })
    )
    .post(
      '/get-summary-statistics/v1',
      handle('get-summary-statistics', async (form, key, c) => {
        const study = await keyStudy(db, key, form);
        const query = parseSummaryQuery(new URL(c.req.url), form);
        const rows = await summaryStatisticRows(db, study, query);
        return { response: c.json(rows), studyId: study.id, outcome: `${rows.length} rows` };
      })
    )
    .post(
      '/get-participant-upload-history/v1',
      handle('get-participant-upload-history', async (form, key, c) => {
        const p = await keyParticipant(db, key, form);
        const body = jsonListStream(shaped(uploadHistory(db, p), omitKeys(form)));
        return { response: c.body(body, 200, JSON_TYPE), studyId: p.studyId, outcome: `streaming ${p.patientId}` };
      })
    )
    .post(
      '/get-participant-heartbeat-history/v1',
      handle('get-participant-heartbeat-history', async (form, key, c) => {
        const p = await keyParticipant(db, key, form);
        const body = jsonListStream(shaped(heartbeatHistory(db, p.id), omitKeys(form)));
        return { response: c.body(body, 200, JSON_TYPE), studyId: p.studyId, outcome: `streaming ${p.patientId}` };
      })
    )
    .post(
      '/get-participant-version-history/v1',
      handle('get-participant-version-history', async (form, key, c) => {
        const p = await keyParticipant(db, key, form);
        const omit = omitKeys(form);
        const rows = (await versionHistory(db, p.id)).map((r) => shapeRecord(r, omit));
        return { response: c.json(rows), studyId: p.studyId, outcome: `${rows.length} versions of ${p.patientId}` };
      })
    )
    .post(
      '/get-participant-device-status-history/v1',
      handle('get-participant-device-status-history', async (form, key, c) => {
        // Kept only while an admin has the participant's device info tracking on, as in Beiwe.
        const p = await keyParticipant(db, key, form);
        const body = jsonListStream(deviceStatusHistory(db, p.id));
        return { response: c.body(body, 200, JSON_TYPE), studyId: p.studyId, outcome: `streaming ${p.patientId}` };
      })
    )
    .post(
      '/get-participant-notification-history/v1',
      handle('get-participant-notification-history', async (form, key, c) => {
        const p = await keyParticipant(db, key, form);
        // Beiwe answers in UTC when any field is named `utc`, whatever its case or value.
        const utc = Object.keys(form).some((k) => k.toLowerCase() === 'utc');
        const history = await notificationHistory(db, { participantId: p.id, timeZone: p.studyTimezone, utc });
        return { response: c.json(history), studyId: p.studyId, outcome: `history of ${p.patientId}` };
      })
    )
    .post(
      '/get-participant-file-hashes/v1',
      handle('get-participant-file-hashes', async (form, key, c) => {
        const p = await keyParticipant(db, key, form);
        const hashes = await participantFileHashes(deps, p.studyObjectId, p);
        return {
          response: c.json(hashes),
          studyId: p.studyId,
          outcome: `${Object.keys(hashes).length} file hashes of ${p.patientId}`,
        };
      })
    );
}
