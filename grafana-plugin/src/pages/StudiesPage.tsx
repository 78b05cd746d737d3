import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { EmptyState, FilterInput, InteractiveTable, RadioButtonGroup, TextLink, useStyles2 } from '@grafana/ui';
import { toApiError } from '../api/client.ts';
import { createStudy, deleteStudy, listStudies, restoreStudy, updateStudy } from '../api/endpoints.ts';
import type { DeletedMode, Study, StudyInput } from '../api/types.ts';
import { studyPath } from '../constants.ts';
import { formatTime } from '../format.ts';
import { useRequest } from '../hooks/use-request.ts';
import { ErrorAlert } from '../components/ErrorAlert/ErrorAlert.tsx';
import { GuardedButton } from '../components/GuardedButton/GuardedButton.tsx';
import { NoticeBar, type Notice } from '../components/NoticeBar/NoticeBar.tsx';
import { Pager } from '../components/Pager/Pager.tsx';
import { StudyForm } from '../components/StudyForm/StudyForm.tsx';
import { testIds } from '../components/testIds.ts';

const LIMIT = 50;
const views = [
  { label: 'Studies', value: 'exclude' as const },
  { label: 'Trash', value: 'only' as const, icon: 'trash-alt' as const },
];

type Editing = { mode: 'create' } | { mode: 'edit'; study: Study } | null;

/** Every study: search, create, edit, delete with Undo, and the Trash to restore from. */
export default function StudiesPage() {
  const s = useStyles2(getStyles);
  const [q, setQ] = useState('');
  const [deleted, setDeleted] = useState<DeletedMode>('exclude');
  const [offset, setOffset] = useState(0);
  const [editing, setEditing] = useState<Editing>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const { state, reload } = useRequest(
    () => listStudies({ q: q.trim() || undefined, deleted, limit: LIMIT, offset }),
    [q, deleted, offset]
  );

  const columns = useMemo(() => {
    const remove = async (study: Study) => {
      try {
        await deleteStudy(study.id);
        setNotice({
          severity: 'success',
          text: `Deleted study ${study.name}.`,
          undo: async () => {
            await restoreStudy(study.id);
            reload();
          },
        });
      } catch (err) {
        setNotice({ severity: 'error', text: `Could not delete ${study.name}: ${toApiError(err).message}` });
      }
      reload();
    };
    const restore = async (study: Study) => {
      try {
        await restoreStudy(study.id);
        setNotice({ severity: 'success', text: `Restored study ${study.name}.` });
      } catch (err) {
        setNotice({ severity: 'error', text: `Could not restore ${study.name}: ${toApiError(err).message}` });
      }
      reload();
    };
    return [
      {
        id: 'name',
        header: 'Name',
        cell: ({ row }: Cell) =>
          row.original.deletedAt ? (
            row.original.name
          ) : (
            <TextLink href={studyPath(row.original.id)} inline={false}>
              {row.original.name}
            </TextLink>
          ),
      },
      { id: 'description', header: 'Description', cell: ({ row }: Cell) => row.original.description || '—' },
      { id: 'timezone', header: 'Time zone' },
      {
        id: 'createdAt',
        header: deleted === 'only' ? 'Restorable until' : 'Created',
        cell: ({ row }: Cell) => formatTime(deleted === 'only' ? row.original.restorableUntil : row.original.createdAt),
      },
      {
        id: 'actions',
        header: '',
        cell: ({ row }: Cell) =>
          row.original.deletedAt ? (
            <GuardedButton size="sm" variant="secondary" icon="history" onClick={() => void restore(row.original)}>
              Restore
            </GuardedButton>
          ) : (
            <div className={s.actions}>
              <GuardedButton
                size="sm"
                variant="secondary"
                icon="pen"
                aria-label={`Edit ${row.original.name}`}
                onClick={() => setEditing({ mode: 'edit', study: row.original })}
              >
                Edit
              </GuardedButton>
              <GuardedButton
                size="sm"
                variant="destructive"
                fill="text"
                icon="trash-alt"
                aria-label={`Delete ${row.original.name}`}
                onClick={() => void remove(row.original)}
              >
                Delete
              </GuardedButton>
            </div>
          ),
      },
    ];
  }, [deleted, reload, s]);

  const save = async (input: StudyInput) => {
    if (editing?.mode === 'edit') {
      const saved = await updateStudy(editing.study.id, input);
      setNotice({ severity: 'success', text: `Saved study ${saved.name}.` });
    } else {
      const created = await createStudy(input);
      setNotice({ severity: 'success', text: `Created study ${created.name}.` });
    }
    setEditing(null);
    reload();
  };

  const page = state.value;
  return (
    <PluginPage>
      <div data-testid={testIds.studies.page}>
        <NoticeBar notice={notice} onDismiss={() => setNotice(null)} />
        <div className={s.toolbar}>
          <FilterInput
            placeholder="Search studies by name"
            value={q}
            onChange={(v) => {
              setQ(v);
              setOffset(0);
            }}
            width={40}
          />
          <RadioButtonGroup
            options={views}
            value={deleted}
            onChange={(v) => {
              setDeleted(v);
              setOffset(0);
            }}
          />
          <div className={s.spacer} />
          <GuardedButton icon="plus" onClick={() => setEditing({ mode: 'create' })}>
            New study
          </GuardedButton>
        </div>
        {state.status === 'error' && (
          <ErrorAlert title="Could not load the studies" error={state.error} onRetry={reload} />
        )}
        {page && page.items.length === 0 && (
          <EmptyState
            variant={q ? 'not-found' : 'call-to-action'}
            message={deleted === 'only' ? 'The trash is empty' : q ? 'No study matches' : 'No studies yet'}
          />
        )}
        {page && page.items.length > 0 && (
          <div data-testid={testIds.studies.table}>
            <InteractiveTable columns={columns} data={page.items} getRowId={(st) => String(st.id)} />
            <Pager total={page.total} limit={LIMIT} offset={offset} onOffset={setOffset} />
          </div>
        )}
        {editing && (
          <StudyForm
            {...(editing.mode === 'edit' ? { study: editing.study } : {})}
            onSubmit={save}
            onDismiss={() => setEditing(null)}
          />
        )}
      </div>
    </PluginPage>
  );
}

type Cell = { row: { original: Study } };

const getStyles = (theme: GrafanaTheme2) => ({
  toolbar: css({ display: 'flex', gap: theme.spacing(2), alignItems: 'center', marginBottom: theme.spacing(2) }),
  spacer: css({ flex: 1 }),
  actions: css({ display: 'flex', gap: theme.spacing(1), justifyContent: 'flex-end' }),
});
