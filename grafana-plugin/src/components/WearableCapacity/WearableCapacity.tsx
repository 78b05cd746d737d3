import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import { getWearableCapacity } from '../../api/endpoints.ts';
import type { VendorCapacity } from '../../api/types.ts';
import { useRequest } from '../../hooks/use-request.ts';
import { ErrorAlert } from '../ErrorAlert/ErrorAlert.tsx';
import { testIds } from '../testIds.ts';

const VENDOR: Record<VendorCapacity['provider'], string> = {
  fitbit: 'Fitbit (Google Health)',
  withings: 'Withings',
  polar: 'Polar',
};

const count = (n: number) => n.toLocaleString('en-US');

/** How many connections each vendor can take inside the planned share of its quotas, and which quota binds. */
export function WearableCapacity() {
  const s = useStyles2(getStyles);
  const capacity = useRequest(getWearableCapacity, []);
  const value = capacity.state.value;
  return (
    <>
      <section data-testid={testIds.sync.capacity} className={s.section}>
        <h4>Capacity</h4>
        {capacity.state.status === 'error' && (
          <ErrorAlert title="Could not load the capacity" error={capacity.state.error} onRetry={capacity.reload} />
        )}
        {!value && capacity.state.status === 'loading' && <LoadingPlaceholder text="Loading capacity…" />}
        {value && (
          <>
            <p className={s.muted}>
              Connections each vendor can take inside {Math.round(value.plannedShare * 100)}% of every quota its
              documentation gives, with the pull settings in force (vendor notifications{' '}
              {value.notifications ? 'on' : 'off'}).
            </p>
            <table className={s.table}>
              <thead>
                <tr>
                  <th>Vendor</th>
                  <th>Connected</th>
                  <th>Can take</th>
                  <th>Limited by</th>
                  <th>Calls per connection a day</th>
                  <th>Busiest quota now</th>
                </tr>
              </thead>
              <tbody>
                {value.vendors.map((v) => {
                  const busiest = [...v.windows].sort((a, b) => b.usedPct - a.usedPct)[0];
                  return (
                    <tr key={v.provider}>
                      <td>{VENDOR[v.provider]}</td>
                      <td>{count(v.activeConnections)}</td>
                      <td>{v.connections === null ? 'no limit from its quotas' : count(v.connections)}</td>
                      <td>{v.binding ?? '—'}</td>
                      <td>
                        {count(v.callsPerConnectionPerDay)}
                        {v.clientCallsPerDay > 0 && ` (and ${count(v.clientCallsPerDay)} for the whole client)`}
                      </td>
                      <td>{busiest ? `${busiest.usedPct}% ${busiest.name}` : '—'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </>
        )}
      </section>
      {value && <StudyCalls vendors={value.vendors} />}
    </>
  );
}

/** What a connection of each study spends a day: a study collecting fewer measurements spends less. */
function StudyCalls({ vendors }: { vendors: VendorCapacity[] }) {
  const s = useStyles2(getStyles);
  const studies = vendors[0]?.studies ?? [];
  if (studies.length === 0) return null;
  return (
    <table className={s.table} data-testid={testIds.sync.capacityByStudy}>
      <thead>
        <tr>
          <th>Calls per connection a day, by study</th>
          {vendors.map((v) => (
            <th key={v.provider}>{VENDOR[v.provider]}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {studies.map((study, i) => (
          <tr key={study.studyId}>
            <td>{study.name}</td>
            {vendors.map((v) => {
              const row = v.studies[i];
              return (
                <td key={v.provider}>
                  {row?.callsPerConnectionPerDay == null
                    ? 'collects nothing it delivers'
                    : `${count(row.callsPerConnectionPerDay)} (${count(row.activeConnections)} connected)`}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ marginTop: theme.spacing(3) }),
  muted: css({ color: theme.colors.text.secondary }),
  table: css({
    width: '100%',
    'th, td': {
      padding: theme.spacing(0.5, 1),
      textAlign: 'left',
      borderBottom: `1px solid ${theme.colors.border.weak}`,
    },
  }),
});
