import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Button, EmptyState, Field, Input, InteractiveTable, TextLink, useStyles2 } from '@grafana/ui';
import { listAudit } from '../api/endpoints.ts';
import type { AuditFilter, AuditRecord } from '../api/types.ts';
import { participantPath, studyPath } from '../constants.ts';
import { formatTime } from '../format.ts';
import { useRequest } from '../hooks/use-request.ts';
import { AuditChanges } from '../components/AuditChanges/AuditChanges.tsx';
import { ErrorAlert } from '../components/ErrorAlert/ErrorAlert.tsx';
import { Pager } from '../components/Pager/Pager.tsx';
import { testIds } from '../components/testIds.ts';

const LIMIT = 50;
type Draft = { action: string; actor: string; targetType: string; targetId: string; studyId: string };
const emptyDraft: Draft = { action: '', actor: '', targetType: '', targetId: '', studyId: '' };

/** Who did what and when, newest first, filterable by action, person, target and study. */
export default function AuditPage() {
  const s = useStyles2(getStyles);
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [filter, setFilter] = useState<Draft>(emptyDraft);
  const [offset, setOffset] = useState(0);
  const { state, reload } = useRequest(() => listAudit({ ...toQuery(filter), limit: LIMIT, offset }), [filter, offset]);

  const columns = useMemo(
    () => [
      { id: 'at', header: 'When', cell: ({ row }: Cell) => formatTime(row.original.at) },
      {
        id: 'actor',
        header: 'Who',
        cell: ({ row }: Cell) => `${row.original.actor.login} (${row.original.actor.role})`,
      },
      { id: 'action', header: 'Action', cell: ({ row }: Cell) => <code>{row.original.action}</code> },
      { id: 'target', header: 'Target', cell: ({ row }: Cell) => <Target record={row.original} /> },
    ],
    []
  );

  const apply = (e: React.FormEvent) => {
    e.preventDefault();
    setFilter(draft);
    setOffset(0);
  };
  const fieldError = (field: keyof Draft) => (state.status === 'error' ? state.error.fieldError(field) : undefined);
  const text = (field: keyof Draft, label: string, width: number) => (
    <Field label={label} invalid={Boolean(fieldError(field))} error={fieldError(field)}>
      <Input
        id={`audit-${field}`}
        width={width}
        value={draft[field]}
        onChange={(e) => setDraft({ ...draft, [field]: e.currentTarget.value })}
      />
    </Field>
  );
  const fieldsFailed = state.status === 'error' && state.error.fields.length > 0;

  const page = state.value;
  return (
    <PluginPage>
      <div data-testid={testIds.audit.page}>
        <form className={s.filters} onSubmit={apply}>
          {text('action', 'Action', 24)}
          {text('actor', 'Who (login)', 20)}
          {text('targetType', 'Target type', 16)}
          {text('targetId', 'Target id', 12)}
          {text('studyId', 'Study id', 10)}
          <Button type="submit" icon="filter" className={s.apply}>
            Apply
          </Button>
          <Button
            variant="secondary"
            fill="text"
            className={s.apply}
            onClick={() => {
              setDraft(emptyDraft);
              setFilter(emptyDraft);
              setOffset(0);
            }}
          >
            Clear
          </Button>
        </form>
        {state.status === 'error' && !fieldsFailed && (
          <ErrorAlert title="Could not load the audit log" error={state.error} onRetry={reload} />
        )}
        {page && page.items.length === 0 && <EmptyState variant="not-found" message="No audit entries match" />}
        {page && page.items.length > 0 && (
          <div data-testid={testIds.audit.table}>
            <InteractiveTable
              columns={columns}
              data={page.items}
              getRowId={(r) => String(r.id)}
              renderExpandedRow={(r) => <AuditChanges record={r} onUndone={reload} />}
            />
            <Pager total={page.total} limit={LIMIT} offset={offset} onOffset={setOffset} />
          </div>
        )}
      </div>
    </PluginPage>
  );
}

/** The target, linked to its page when it has one (purged or bulk targets have none). */
function Target({ record }: { record: AuditRecord }) {
  const { type, id } = record.target;
  const purged = record.action.endsWith('.purge');
  if (!purged && type === 'study')
    return <TextLink href={studyPath(Number(id))} inline={false}>{`study ${id}`}</TextLink>;
  if (!purged && type === 'participant') {
    return <TextLink href={participantPath(Number(id))} inline={false}>{`participant ${id}`}</TextLink>;
  }
  return <span>{`${type} ${id}`}</span>;
}

function toQuery(d: Draft): AuditFilter {
  const q: Record<string, string> = {};
  for (const [k, v] of Object.entries(d)) if (v.trim() !== '') q[k] = v.trim();
  return q as AuditFilter;
}

type Cell = { row: { original: AuditRecord } };

const getStyles = (theme: GrafanaTheme2) => ({
  filters: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'flex-start', flexWrap: 'wrap' }),
  apply: css({ marginTop: theme.spacing(3) }),
});
