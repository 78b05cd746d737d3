import React, { useCallback, useMemo, useState } from 'react';
import { useParams } from 'react-router-dom';
import { css } from '@emotion/css';
import { locationUtil, type GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import {
  EmptyState,
  FilterInput,
  LinkButton,
  LoadingPlaceholder,
  RadioButtonGroup,
  Stack,
  useStyles2,
} from '@grafana/ui';
import { getStudy, listParticipants, listStudyConnections, updateStudy } from '../api/endpoints.ts';
import {
  PARTICIPANT_STATUSES,
  type Connection,
  type DeletedMode,
  type ParticipantStatus,
  type StudyInput,
} from '../api/types.ts';
import { prefixRoute, ROUTES } from '../constants.ts';
import { useRequest } from '../hooks/use-request.ts';
import { AddParticipant } from '../components/AddParticipant/AddParticipant.tsx';
import { EnrolmentSheet, type SheetRequest } from '../components/EnrolmentSheet/EnrolmentSheet.tsx';
import { ErrorAlert } from '../components/ErrorAlert/ErrorAlert.tsx';
import { GuardedButton } from '../components/GuardedButton/GuardedButton.tsx';
import { NoticeBar, type Notice } from '../components/NoticeBar/NoticeBar.tsx';
import { Pager } from '../components/Pager/Pager.tsx';
import { ParticipantsTable } from '../components/ParticipantsTable/ParticipantsTable.tsx';
import { StudyForm } from '../components/StudyForm/StudyForm.tsx';
import { StudyTabs } from '../components/StudyTabs/StudyTabs.tsx';
import { testIds } from '../components/testIds.ts';

const LIMIT = 50;
const statusOptions = [
  { label: 'All', value: 'all' as const },
  ...PARTICIPANT_STATUSES.map((st) => ({ label: st.charAt(0).toUpperCase() + st.slice(1), value: st })),
];
const views = [
  { label: 'Participants', value: 'exclude' as const },
  { label: 'Trash', value: 'only' as const, icon: 'trash-alt' as const },
];

/** One study: its participants with search and filters, enrolment with a printable sheet, and the Trash. */
export default function StudyPage() {
  const s = useStyles2(getStyles);
  const studyId = Number(useParams<{ studyId: string }>().studyId);
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<ParticipantStatus | 'all'>('all');
  const [deleted, setDeleted] = useState<DeletedMode>('exclude');
  const [offset, setOffset] = useState(0);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState(false);
  const [sheet, setSheet] = useState<SheetRequest | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);

  const study = useRequest(() => getStudy(studyId), [studyId]);
  const { state, reload } = useRequest(
    () =>
      listParticipants(studyId, {
        q: q.trim() || undefined,
        status: status === 'all' ? undefined : status,
        deleted,
        limit: LIMIT,
        offset,
      }),
    [studyId, q, status, deleted, offset]
  );
  // One request for the whole study's devices; an ingest without wearables leaves the column out.
  const connections = useRequest(() => listStudyConnections(studyId), [studyId, state.value]);
  const devices = useMemo(() => {
    if (!connections.state.value) return undefined;
    const byParticipant = new Map<number, Connection[]>();
    for (const c of connections.state.value.items) {
      byParticipant.set(c.participantId, [...(byParticipant.get(c.participantId) ?? []), c]);
    }
    return byParticipant;
  }, [connections.state.value]);
  // "Last upload 3 h ago" is relative to when the list was loaded.
  const now = useMemo(() => new Date(), [state]); // eslint-disable-line react-hooks/exhaustive-deps
  const onNotice = useCallback((n: Notice) => setNotice(n), []);
  const filter =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setOffset(0);
    };

  if (study.state.status === 'error') {
    return (
      <PluginPage>
        <ErrorAlert title="Could not load the study" error={study.state.error} onRetry={study.reload} />
      </PluginPage>
    );
  }
  const current = study.state.value;
  if (!current) {
    return (
      <PluginPage>
        <LoadingPlaceholder text="Loading study…" />
      </PluginPage>
    );
  }

  const saveStudy = async (input: StudyInput) => {
    await updateStudy(studyId, input);
    setEditing(false);
    setNotice({ severity: 'success', text: `Saved study ${input.name}.` });
    study.reload();
  };
  const page = state.value;
  return (
    <PluginPage
      pageNav={{ text: current.name, parentItem: { text: 'Studies', url: prefixRoute(ROUTES.studies) } }}
      subTitle={current.description || undefined}
      info={[{ label: 'Time zone', value: current.timezone }]}
      actions={
        <Stack direction="row" gap={1}>
          <LinkButton
            variant="secondary"
            icon="sync"
            href={locationUtil.assureBaseUrl(`${prefixRoute(ROUTES.sync)}?studyId=${studyId}`)}
          >
            Sync
          </LinkButton>
          <GuardedButton
            variant="secondary"
            icon="pen"
            onClick={() => setEditing(true)}
            disabled={Boolean(current.deletedAt)}
          >
            Edit study
          </GuardedButton>
        </Stack>
      }
    >
      <div data-testid={testIds.study.page}>
        <StudyTabs studyId={studyId} active="participants" />
        <NoticeBar notice={notice} onDismiss={() => setNotice(null)} />
        <div className={s.toolbar}>
          <FilterInput placeholder="Search by label" value={q} onChange={filter(setQ)} width={30} />
          <RadioButtonGroup options={statusOptions} value={status} onChange={filter(setStatus)} />
          <RadioButtonGroup options={views} value={deleted} onChange={filter(setDeleted)} />
          <div className={s.spacer} />
          <GuardedButton icon="plus" onClick={() => setAdding(true)} disabled={Boolean(current.deletedAt)}>
            Add participant
          </GuardedButton>
        </div>
        {state.status === 'error' && (
          <ErrorAlert title="Could not load the participants" error={state.error} onRetry={reload} />
        )}
        {page && page.items.length === 0 && (
          <EmptyState
            variant={q || status !== 'all' ? 'not-found' : 'call-to-action'}
            message={
              deleted === 'only'
                ? 'The trash is empty'
                : q || status !== 'all'
                  ? 'No participant matches'
                  : 'No participants yet'
            }
          />
        )}
        {page && page.items.length > 0 && (
          <>
            <ParticipantsTable
              participants={page.items}
              devices={devices}
              now={now}
              onChanged={reload}
              onNotice={onNotice}
              onSheet={setSheet}
            />
            <Pager total={page.total} limit={LIMIT} offset={offset} onOffset={setOffset} />
          </>
        )}
        {adding && (
          <AddParticipant
            studyId={studyId}
            onDismiss={() => setAdding(false)}
            onEnrolled={(enrolled, enrolmentSheet) => {
              setAdding(false);
              setNotice({ severity: 'success', text: `Added ${enrolled.label}.` });
              if (enrolmentSheet.credentials || enrolmentSheet.links?.length || enrolmentSheet.problems?.length) {
                setSheet(enrolmentSheet);
              }
              reload();
            }}
          />
        )}
        {editing && <StudyForm study={current} onSubmit={saveStudy} onDismiss={() => setEditing(false)} />}
        {sheet && <EnrolmentSheet {...sheet} studyName={current.name} onDismiss={() => setSheet(null)} />}
      </div>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  toolbar: css({
    display: 'flex',
    gap: theme.spacing(2),
    alignItems: 'center',
    flexWrap: 'wrap',
    marginBottom: theme.spacing(2),
  }),
  spacer: css({ flex: 1 }),
});
