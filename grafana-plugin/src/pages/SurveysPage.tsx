import React, { useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { EmptyState, InteractiveTable, RadioButtonGroup, TextLink, useStyles2 } from '@grafana/ui';
import { toApiError } from '../api/client.ts';
import { deleteSurvey, listSurveys, restoreSurvey, type Survey } from '../api/study-config.ts';
import type { DeletedMode, Study } from '../api/types.ts';
import { surveyPath } from '../constants.ts';
import { formatTime } from '../format.ts';
import { useRequest } from '../hooks/use-request.ts';
import { ErrorAlert } from '../components/ErrorAlert/ErrorAlert.tsx';
import { GuardedButton } from '../components/GuardedButton/GuardedButton.tsx';
import { NoticeBar, type Notice } from '../components/NoticeBar/NoticeBar.tsx';
import { Pager } from '../components/Pager/Pager.tsx';
import { StudyShell } from '../components/StudyTabs/StudyShell.tsx';
import { scheduleSummary } from '../components/SurveyEditor/survey-draft.ts';
import { testIds } from '../components/testIds.ts';

const LIMIT = 50;
const views = [
  { label: 'Surveys', value: 'exclude' as const },
  { label: 'Trash', value: 'only' as const, icon: 'trash-alt' as const },
];

/** A study's surveys: what each asks and when it goes out; create, edit, delete with Undo. */
export default function SurveysPage() {
  return (
    <StudyShell tab="surveys" title="Surveys">
      {(study) => <Surveys study={study} />}
    </StudyShell>
  );
}

function Surveys({ study }: { study: Study }) {
  const s = useStyles2(getStyles);
  const navigate = useNavigate();
  const [deleted, setDeleted] = useState<DeletedMode>('exclude');
  const [offset, setOffset] = useState(0);
  const [notice, setNotice] = useState<Notice | null>(null);
  const { state, reload } = useRequest(
    () => listSurveys(study.id, { deleted, limit: LIMIT, offset }),
    [study.id, deleted, offset]
  );

  const columns = useMemo(() => {
    const title = (survey: Survey) => survey.name || `Survey ${survey.id}`;
    const remove = async (survey: Survey) => {
      try {
        await deleteSurvey(survey.id);
        setNotice({
          severity: 'success',
          text: `Deleted ${title(survey)}.`,
          undo: async () => {
            await restoreSurvey(survey.id);
            reload();
          },
        });
      } catch (err) {
        setNotice({ severity: 'error', text: `Could not delete ${title(survey)}: ${toApiError(err).message}` });
      }
      reload();
    };
    const restore = async (survey: Survey) => {
      try {
        await restoreSurvey(survey.id);
        setNotice({ severity: 'success', text: `Restored ${title(survey)}.` });
      } catch (err) {
        setNotice({ severity: 'error', text: `Could not restore ${title(survey)}: ${toApiError(err).message}` });
      }
      reload();
    };
    return [
      {
        id: 'name',
        header: 'Name',
        cell: ({ row }: Cell) =>
          row.original.deletedAt ? (
            title(row.original)
          ) : (
            <TextLink href={surveyPath(study.id, row.original.id)} inline={false}>
              {title(row.original)}
            </TextLink>
          ),
      },
      {
        id: 'surveyType',
        header: 'Kind',
        cell: ({ row }: Cell) =>
          row.original.surveyType === 'audio_survey'
            ? 'Audio recording'
            : row.original.surveyType === 'tracking_survey'
              ? `${row.original.content.length} question${row.original.content.length === 1 ? '' : 's'}`
              : // Kept from an imported Beiwe file; its content may be any JSON.
                `${row.original.surveyType}: not sent to phones`,
      },
      { id: 'schedules', header: 'Sent', cell: ({ row }: Cell) => scheduleSummary(row.original.schedules) },
      { id: 'version', header: 'Version' },
      { id: 'updatedAt', header: 'Changed', cell: ({ row }: Cell) => formatTime(row.original.updatedAt) },
      {
        id: 'actions',
        header: '',
        cell: ({ row }: Cell) =>
          row.original.deletedAt ? (
            <GuardedButton
              size="sm"
              variant="secondary"
              icon="history"
              aria-label={`Restore ${title(row.original)}`}
              onClick={() => void restore(row.original)}
            >
              Restore
            </GuardedButton>
          ) : (
            <GuardedButton
              size="sm"
              variant="destructive"
              fill="text"
              icon="trash-alt"
              aria-label={`Delete ${title(row.original)}`}
              onClick={() => void remove(row.original)}
            >
              Delete
            </GuardedButton>
          ),
      },
    ];
  }, [study.id, reload]);

  const page = state.value;
  return (
    <div data-testid={testIds.surveys.page}>
      <NoticeBar notice={notice} onDismiss={() => setNotice(null)} />
      <div className={s.toolbar}>
        <RadioButtonGroup
          options={views}
          value={deleted}
          onChange={(v) => {
            setDeleted(v);
            setOffset(0);
          }}
        />
        <div className={s.spacer} />
        <GuardedButton
          icon="plus"
          onClick={() => navigate(surveyPath(study.id, 'new'))}
          disabled={Boolean(study.deletedAt)}
        >
          New survey
        </GuardedButton>
        <GuardedButton
          icon="record-audio"
          variant="secondary"
          onClick={() => navigate(`${surveyPath(study.id, 'new')}?type=audio_survey`)}
          disabled={Boolean(study.deletedAt)}
        >
          New audio survey
        </GuardedButton>
      </div>
      {state.status === 'error' && (
        <ErrorAlert title="Could not load the surveys" error={state.error} onRetry={reload} />
      )}
      {page && page.items.length === 0 && (
        <EmptyState variant="call-to-action" message={deleted === 'only' ? 'The trash is empty' : 'No surveys yet'} />
      )}
      {page && page.items.length > 0 && (
        <div data-testid={testIds.surveys.table}>
          <InteractiveTable columns={columns} data={page.items} getRowId={(x) => String(x.id)} />
          <Pager total={page.total} limit={LIMIT} offset={offset} onOffset={setOffset} />
        </div>
      )}
    </div>
  );
}

type Cell = { row: { original: Survey } };

const getStyles = (theme: GrafanaTheme2) => ({
  toolbar: css({ display: 'flex', gap: theme.spacing(2), alignItems: 'center', marginBottom: theme.spacing(2) }),
  spacer: css({ flex: 1 }),
});
