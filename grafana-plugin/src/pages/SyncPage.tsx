import React, { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Button, LoadingPlaceholder, RadioButtonGroup, useStyles2 } from '@grafana/ui';
import { listConnections, listStudies } from '../api/endpoints.ts';
import { useRequest } from '../hooks/use-request.ts';
import { ErrorAlert } from '../components/ErrorAlert/ErrorAlert.tsx';
import { Pager } from '../components/Pager/Pager.tsx';
import { SyncConnections } from '../components/SyncConnections/SyncConnections.tsx';
import { testIds } from '../components/testIds.ts';
import { WearableCapacity } from '../components/WearableCapacity/WearableCapacity.tsx';

const LIMIT = 50;

/** Every wearable connection's sync state, optionally of one study (`?studyId=`), with on-demand updates. */
export default function SyncPage() {
  const s = useStyles2(getStyles);
  const [params, setParams] = useSearchParams();
  const studyId = Number(params.get('studyId')) || undefined;
  const [offset, setOffset] = useState(0);
  const studies = useRequest(() => listStudies({ deleted: 'exclude', limit: 200, offset: 0 }), []);
  const connections = useRequest(() => listConnections({ studyId, limit: LIMIT, offset }), [studyId, offset]);

  const studyOptions = [
    { label: 'All studies', value: 0 },
    ...(studies.state.value?.items.map((st) => ({ label: st.name, value: st.id })) ?? []),
  ];
  const page = connections.state.value;
  return (
    <PluginPage>
      <div data-testid={testIds.sync.page}>
        <p className={s.muted}>
          Wearables are pulled on a schedule. Update one now, or fetch a range of days again; an update starts at the
          ingest&apos;s next scheduler run (each minute) and its progress shows below the table.
        </p>
        <div className={s.filters}>
          <RadioButtonGroup
            options={studyOptions}
            value={studyId ?? 0}
            onChange={(v) => {
              setParams(v ? { studyId: String(v) } : {});
              setOffset(0);
            }}
          />
          <Button size="sm" variant="secondary" icon="sync" onClick={connections.reload}>
            Refresh
          </Button>
        </div>
        {connections.state.status === 'error' && (
          <ErrorAlert
            title="Could not load the connections"
            error={connections.state.error}
            onRetry={connections.reload}
          />
        )}
        {!page && connections.state.status === 'loading' && <LoadingPlaceholder text="Loading connections…" />}
        {page?.items.length === 0 && (
          <p className={s.muted}>No wearable is connected{studyId ? ' in this study' : ''}.</p>
        )}
        {page && page.items.length > 0 && (
          <SyncConnections connections={page.items} showParticipant>
            <Pager total={page.total} limit={LIMIT} offset={offset} onOffset={setOffset} />
          </SyncConnections>
        )}
        <WearableCapacity />
      </div>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  filters: css({ display: 'flex', gap: theme.spacing(2), alignItems: 'center', marginBottom: theme.spacing(2) }),
  muted: css({ color: theme.colors.text.secondary }),
});
